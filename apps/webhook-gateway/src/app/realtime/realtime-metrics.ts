import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

@Injectable()
export class RealtimeMetrics {
  readonly connections: Gauge;
  readonly eventsSent: Counter;
  readonly replays: Counter;
  readonly replayedEvents: Counter;
  readonly closes: Counter<'code'>;
  readonly feedEvents: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.connections = new Gauge({ name: 'realtime_connections', help: 'Open realtime sockets', registers });
    this.eventsSent = new Counter({ name: 'realtime_events_sent_total', help: 'Event frames sent to sockets', registers });
    this.replays = new Counter({ name: 'realtime_replays_total', help: 'Resumes served from the outbox', registers });
    this.replayedEvents = new Counter({ name: 'realtime_replayed_events_total', help: 'Event frames sent by resumes', registers });
    this.closes = new Counter({ name: 'realtime_closes_total', help: 'Sockets closed, by close code', labelNames: ['code'], registers });
    this.feedEvents = new Counter({
      name: 'realtime_feed_events_total',
      help: 'Events this replica received from platform.events',
      registers,
    });
  }
}

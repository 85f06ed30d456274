import { Inject, Injectable } from '@nestjs/common';
import { WORKER_METRICS, WorkerEventMetrics } from '@inbound/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AttemptOutcome = 'succeeded' | 'failed' | 'dead' | 'gone';

/** Labels are bounded: fixed outcomes, error classes and states, never a subscription id. */
@Injectable()
export class EventDispatcherMetrics extends WorkerEventMetrics {
  readonly relayLeader: Gauge;
  readonly outboxPublished: Counter;
  /** From the outbox insert (the change's commit, near enough) to the broker's confirm. */
  readonly outboxPublishLag: Histogram;
  readonly deliveriesCreated: Counter;
  readonly attempts: Counter<'outcome' | 'error_class'>;
  readonly attemptSeconds: Histogram;
  /** From the event's `created_at` to a subscriber's 2xx on the first attempt. */
  readonly firstAttemptLatency: Histogram;
  readonly held: Gauge;
  readonly inFlight: Gauge;
  readonly openCircuits: Gauge;
  readonly subscriptionsDisabled: Counter<'reason'>;

  constructor(@Inject(WORKER_METRICS) registry: Registry) {
    super(registry);
    const registers = [registry];
    const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    this.relayLeader = new Gauge({ name: 'outbox_relay_leader', help: '1 while this process holds the relay lock', registers });
    this.outboxPublished = new Counter({ name: 'outbox_events_published_total', help: 'Outbox rows published and confirmed', registers });
    this.outboxPublishLag = new Histogram({
      name: 'outbox_publish_lag_seconds',
      help: 'Seconds from an outbox row being written to its publish being confirmed',
      buckets: latencyBuckets,
      registers,
    });
    this.deliveriesCreated = new Counter({
      name: 'webhook_deliveries_created_total',
      help: 'Deliveries recorded: one per (subscription, event)',
      registers,
    });
    this.attempts = new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Delivery attempts by outcome and error class',
      labelNames: ['outcome', 'error_class'],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: 'webhook_delivery_attempt_duration_seconds',
      help: 'Duration of one delivery attempt',
      buckets: latencyBuckets,
      registers,
    });
    this.firstAttemptLatency = new Histogram({
      name: 'webhook_delivery_first_attempt_latency_seconds',
      help: 'Seconds from an event being created to its first attempt succeeding',
      buckets: latencyBuckets,
      registers,
    });
    this.held = new Gauge({ name: 'webhook_deliveries_held', help: 'Deliveries this process holds a lease on', registers });
    this.inFlight = new Gauge({ name: 'webhook_delivery_attempts_in_flight', help: 'Attempts waiting for an answer', registers });
    this.openCircuits = new Gauge({ name: 'webhook_circuits_open', help: 'Subscriptions whose circuit is open', registers });
    this.subscriptionsDisabled = new Counter({
      name: 'webhook_subscriptions_disabled_total',
      help: 'Subscriptions the dispatcher disabled',
      labelNames: ['reason'],
      registers,
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

/** The gateway's webhook metrics; names are what dashboards and alerts refer to. */
@Injectable()
export class WebhookMetrics {
  readonly requests: Counter<'channel_type' | 'outcome'>;
  readonly rejections: Counter<'channel_type' | 'reason'>;
  readonly published: Counter<'routing_key'>;
  readonly skipped: Counter<'channel_type' | 'reason'>;
  readonly throttled: Counter<'channel_type'>;
  readonly spooled: Counter<'channel_type'>;
  readonly duration: Histogram<'channel_type' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.requests = new Counter({
      name: 'gateway_webhook_requests_total',
      help: 'Webhook calls by channel type and outcome (accepted, rejected, throttled, invalid, not_found, unavailable)',
      labelNames: ['channel_type', 'outcome'],
      registers: [registry],
    });
    this.rejections = new Counter({
      name: 'gateway_webhook_rejections_total',
      help: 'Webhook calls answered 401, by reason',
      labelNames: ['channel_type', 'reason'],
      registers: [registry],
    });
    this.published = new Counter({
      name: 'gateway_events_published_total',
      help: 'Events confirmed by RabbitMQ, by routing key',
      labelNames: ['routing_key'],
      registers: [registry],
    });
    this.skipped = new Counter({
      name: 'gateway_webhook_items_skipped_total',
      help: 'Items of accepted calls left out (unreadable, or for another number or page), by reason',
      labelNames: ['channel_type', 'reason'],
      registers: [registry],
    });
    this.throttled = new Counter({
      name: 'gateway_webhook_throttled_total',
      help: 'Failed signature checks answered 429: their address failed too often in the window',
      labelNames: ['channel_type'],
      registers: [registry],
    });
    this.spooled = new Counter({
      name: 'gateway_events_spooled_total',
      help: 'Events written to the PostgreSQL spool because RabbitMQ could not confirm them',
      labelNames: ['channel_type'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'gateway_webhook_request_duration_seconds',
      help: 'Time to answer a webhook call, by channel type and outcome',
      labelNames: ['channel_type', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { WORKER_METRICS } from '@inbound/runtime';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The status worker's own metrics, on the process registry (which labels everything with
 * `service`). Label values are bounded: lifecycle statuses or `informational`, and fixed reasons.
 */
@Injectable()
export class StatusWorkerMetrics {
  /** Events that changed a message (status, times, counters, or recorded informational kind). */
  readonly applied: Counter<'status'>;
  /** Events that changed nothing: duplicates, stale or contradicting updates. */
  readonly ignored: Counter<'reason'>;
  /** Events sent to the delayed-retry path. */
  readonly retried: Counter<'reason'>;
  /** Events sent to the dead-letter queue. */
  readonly deadLettered: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  /** now − received_at (when the gateway accepted the webhook) of applied events. */
  readonly queueLag: Histogram;
  /** Batch transactions run again after a deadlock or serialization failure. */
  readonly transactionConflicts: Counter<'code'>;

  constructor(@Inject(WORKER_METRICS) registry: Registry) {
    const registers = [registry];
    this.applied = new Counter({ name: 'worker_events_applied_total', help: 'Status events applied to a message', labelNames: ['status'], registers });
    this.ignored = new Counter({ name: 'worker_events_ignored_total', help: 'Status events that changed nothing (duplicate or stale)', labelNames: ['reason'], registers });
    this.retried = new Counter({ name: 'worker_events_retried_total', help: 'Status events sent to the delayed-retry path', labelNames: ['reason'], registers });
    this.deadLettered = new Counter({ name: 'worker_events_dead_lettered_total', help: 'Status events sent to the dead-letter queue', labelNames: ['reason'], registers });
    this.batchSize = new Histogram({
      name: 'worker_batch_size',
      help: 'Events per applied batch',
      buckets: [1, 2, 5, 10, 25, 50, 100, 200, 400, 800, 1600],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'worker_batch_duration_seconds',
      help: 'Time to apply one batch, transaction and acks included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.queueLag = new Histogram({
      name: 'worker_queue_lag_seconds',
      help: 'Seconds from the gateway accepting a status event to the worker applying it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    });
    this.transactionConflicts = new Counter({
      name: 'worker_transaction_conflicts_total',
      help: 'Batch transactions retried after a deadlock (40P01) or serialization failure (40001)',
      labelNames: ['code'],
      registers,
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { WORKER_METRICS, WorkerEventMetrics } from '@inbound/runtime';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Label values are bounded: lifecycle statuses or `informational`, and fixed reasons. */
@Injectable()
export class StatusWorkerMetrics extends WorkerEventMetrics {
  /** Events that changed a message (status, times, counters, or recorded informational kind). */
  readonly applied: Counter<'status'>;
  /** Events that changed nothing: duplicates, stale or contradicting updates. */
  readonly ignored: Counter<'reason'>;
  readonly batchSeconds: Histogram;
  /** Transactions by how they were applied: `one_statement` or `fold` (a batch the one statement handed back counts as fold). */
  readonly batchPaths: Counter<'path'>;

  constructor(@Inject(WORKER_METRICS) registry: Registry) {
    super(registry);
    const registers = [registry];
    this.applied = new Counter({
      name: 'worker_events_applied_total',
      help: 'Status events applied to a message',
      labelNames: ['status'],
      registers,
    });
    this.ignored = new Counter({
      name: 'worker_events_ignored_total',
      help: 'Status events that changed nothing (duplicate or stale)',
      labelNames: ['reason'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'worker_batch_duration_seconds',
      help: 'Time to apply one batch, transaction and acks included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.batchPaths = new Counter({
      name: 'worker_status_batches_total',
      help: 'Status batch transactions by path: one statement, or lock, fold and write',
      labelNames: ['path'],
      registers,
    });
  }
}

import { Counter, Histogram, type Registry } from 'prom-client';

/** The same names, labels and buckets in both workers, so dashboards can add them up. */
export class WorkerEventMetrics {
  readonly retried: Counter<'reason'>;
  readonly deadLettered: Counter<'reason'>;
  readonly batchSize: Histogram;
  /** From the gateway receiving the call (`received_at`) to the worker's commit. */
  readonly queueLag: Histogram;
  /** Transactions run again after a deadlock (40P01) or serialization failure (40001). */
  readonly transactionConflicts: Counter<'code'>;

  constructor(protected readonly registry: Registry) {
    const registers = [registry];
    this.retried = new Counter({
      name: 'worker_events_retried_total',
      help: 'Events sent to the delayed-retry path',
      labelNames: ['reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'worker_events_dead_lettered_total',
      help: 'Events sent to the dead-letter queue',
      labelNames: ['reason'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'worker_batch_size',
      help: 'Events handled together in one database transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    });
    this.queueLag = new Histogram({
      name: 'worker_queue_lag_seconds',
      help: 'Seconds from the gateway receiving an event to the worker committing it',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.transactionConflicts = new Counter({
      name: 'worker_transaction_conflicts_total',
      help: 'Transactions run again after a deadlock (40P01) or serialization failure (40001)',
      labelNames: ['code'],
      registers,
    });
  }
}

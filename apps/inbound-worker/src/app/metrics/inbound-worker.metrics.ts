import { Inject, Injectable } from '@nestjs/common';
import { WORKER_METRICS } from '@inbound/runtime';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ContactLookupOutcome } from '../contacts/contact-resolver';

/**
 * Why an event left the normal path, as a bounded label: `invalid` (failed validation),
 * `database_refused` (PostgreSQL rejects its data), `database_unavailable` (the database
 * failed; retried, then dead-lettered when the retries ran out).
 */
export type FailureLabel = 'invalid' | 'database_refused' | 'database_unavailable';

/** The worker's own series, on the process registry that /metrics serves (labelled with `service`). */
@Injectable()
export class InboundWorkerMetrics {
  /** Rows inserted (a new inbound message). */
  readonly applied: Counter;
  /** Events whose row already existed: a provider's retry or a redelivery. */
  readonly duplicates: Counter;
  readonly deadLettered: Counter<'reason'>;
  readonly retried: Counter<'reason'>;
  readonly batchSize: Histogram;
  /** From the gateway receiving the call (`received_at`) to the row's commit. */
  readonly queueLag: Histogram;
  readonly contactLookups: Counter<'outcome'>;
  /** Statements run again after a deadlock (40P01) or serialization failure (40001). */
  readonly transactionConflicts: Counter<'code'>;

  constructor(@Inject(WORKER_METRICS) registry: Registry) {
    const registers = [registry];
    this.applied = new Counter({ name: 'worker_events_applied_total', help: 'Inbound messages stored (new rows)', registers });
    this.duplicates = new Counter({
      name: 'worker_events_duplicate_total',
      help: 'Inbound events whose message was already stored (provider retry or redelivery)',
      registers,
    });
    this.deadLettered = new Counter({
      name: 'worker_events_dead_lettered_total',
      help: 'Events moved to the dead-letter queue',
      labelNames: ['reason'],
      registers,
    });
    this.retried = new Counter({ name: 'worker_events_retried_total', help: 'Events sent to the delayed-retry path', labelNames: ['reason'], registers });
    this.batchSize = new Histogram({
      name: 'worker_batch_size',
      help: 'Events handled together in one database write',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    });
    this.queueLag = new Histogram({
      name: 'worker_queue_lag_seconds',
      help: 'Seconds from the gateway receiving an event to its row being committed',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.contactLookups = new Counter({
      name: 'worker_contact_lookups_total',
      help: 'Contact look-ups by outcome (found, not_found, error, timeout, circuit_open, skipped)',
      labelNames: ['outcome'],
      registers,
    });
    this.transactionConflicts = new Counter({
      name: 'worker_transaction_conflicts_total',
      help: 'Inserts run again after a deadlock (40P01) or serialization failure (40001)',
      labelNames: ['code'],
      registers,
    });
  }

  countLookup(outcome: ContactLookupOutcome): void {
    this.contactLookups.inc({ outcome });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { WORKER_METRICS, WorkerEventMetrics } from '@inbound/runtime';
import { Counter, type Registry } from 'prom-client';
import type { ContactLookupOutcome } from '../contacts/contact-resolver';

/** `database_unavailable`: retried, then dead-lettered when the retries ran out. */
export type FailureLabel = 'invalid' | 'database_refused' | 'database_unavailable';

@Injectable()
export class InboundWorkerMetrics extends WorkerEventMetrics {
  /** Rows inserted (a new inbound message). */
  readonly applied: Counter;
  /** Events whose row already existed: a provider's retry or a redelivery. */
  readonly duplicates: Counter;
  readonly contactLookups: Counter<'outcome'>;

  constructor(@Inject(WORKER_METRICS) registry: Registry) {
    super(registry);
    const registers = [registry];
    this.applied = new Counter({ name: 'worker_events_applied_total', help: 'Inbound messages stored (new rows)', registers });
    this.duplicates = new Counter({
      name: 'worker_events_duplicate_total',
      help: 'Inbound events whose message was already stored (provider retry or redelivery)',
      registers,
    });
    this.contactLookups = new Counter({
      name: 'worker_contact_lookups_total',
      help: 'Contact look-ups by outcome (found, not_found, error, timeout, circuit_open, skipped)',
      labelNames: ['outcome'],
      registers,
    });
  }

  countLookup(outcome: ContactLookupOutcome): void {
    this.contactLookups.inc({ outcome });
  }
}

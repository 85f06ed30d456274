import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { EventDispatcherMetrics } from '../metrics/event-dispatcher.metrics';
import { SubscriptionDirectory } from '../subscriptions/subscription-directory';
import { DeliveryStore, type AttemptRecord } from './delivery-store';

/** Attempts gathered into one transaction; a flush starts as soon as the previous one ends. */
const MAX_RECORDS_PER_FLUSH = 500;
const RETRY_PAUSE_MS = 500;
const DRAIN_LIMIT_MS = 5_000;

/**
 * Writes finished attempts in batches, one transaction each, so a thousand answers a second cost a few statements. A write
 * that fails is tried again; meanwhile the deliveries' leases run on, and at worst one is attempted again (same webhook-id).
 */
@Injectable()
export class DeliveryLogWriter {
  private readonly logger = new Logger(DeliveryLogWriter.name);
  private pending: Array<{ record: AttemptRecord; written: () => void }> = [];
  private flushing?: Promise<void>;
  private closed = false;

  constructor(
    private readonly store: DeliveryStore,
    private readonly directory: SubscriptionDirectory,
    private readonly metrics: EventDispatcherMetrics,
  ) {}

  /** Resolves once the attempt is in the table. */
  add(record: AttemptRecord): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push({ record, written: resolve });
      this.flushing ??= this.flushAll();
    });
  }

  /** Waits for what was added to be written; gives up on a database that stays away (the leases then run out). */
  async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_LIMIT_MS;
    while (this.flushing && Date.now() < deadline) await Promise.race([this.flushing, delay(100)]);
    this.closed = true;
  }

  private async flushAll(): Promise<void> {
    // Let the attempts finishing in this turn of the event loop join the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, MAX_RECORDS_PER_FLUSH);
      try {
        const { disabled } = await this.store.recordAttempts(batch.map((entry) => entry.record));
        this.pending.splice(0, batch.length);
        for (const { id, reason } of disabled) {
          this.directory.forget(id);
          this.metrics.subscriptionsDisabled.inc({ reason: reason.includes('410') ? 'gone' : 'failing' });
          this.logger.warn({ subscription_id: id, reason }, 'subscription disabled');
        }
        for (const entry of batch) entry.written();
      } catch (error) {
        this.logger.warn(`could not record ${batch.length} attempts: ${(error as Error).message}; trying again`);
        if (this.closed) break;
        await delay(RETRY_PAUSE_MS);
      }
    }
    this.flushing = undefined;
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { decodeEvent, InboundMessageEvent } from '@inbound/contracts';
import { FailureRouter } from '@inbound/messaging';
import { databaseFailureKind, describeDatabaseError, throwIfDatabaseUnreachable, WorkerConsumer, type Settlement } from '@inbound/runtime';
import type { ConsumeMessage } from 'amqplib';
import { contactKey, type ContactResolver } from '../contacts/contact-resolver';
import { CONTACT_RESOLVER } from '../contacts/contact-resolver.provider';
import { InboundWorkerMetrics, type FailureLabel } from '../metrics/inbound-worker.metrics';
import { inboundMessageRow, type InboundMessageRow } from '../persistence/inbound-message-row';
import { InboundMessageWriter } from '../persistence/inbound-message.writer';

interface AcceptedEvent {
  message: ConsumeMessage;
  event: InboundMessageEvent;
  row: InboundMessageRow;
}

/** Validate, resolve contacts, insert in one statement; failures: docs/INBOUND-WORKER.md, "When the insert fails". */
@Injectable()
export class InboundBatchProcessor implements OnApplicationShutdown {
  private readonly logger = new Logger(InboundBatchProcessor.name);

  constructor(
    private readonly writer: InboundMessageWriter,
    private readonly failures: FailureRouter,
    private readonly metrics: InboundWorkerMetrics,
    @Inject(CONTACT_RESOLVER) private readonly contacts: ContactResolver | null,
    private readonly consumer: WorkerConsumer,
  ) {}

  onApplicationShutdown(): void {
    this.contacts?.close();
  }

  async process(messages: readonly ConsumeMessage[]): Promise<Settlement[]> {
    this.metrics.batchSize.observe(messages.length);
    const settlements: Array<Promise<Settlement>> = [];
    const decoded: Array<{ message: ConsumeMessage; event: InboundMessageEvent }> = [];
    const positions: number[] = [];
    const invalid: Array<{ index: number; reason: string }> = [];
    messages.forEach((message, index) => {
      const result = decodeEvent(InboundMessageEvent, message.content);
      if (result.ok) {
        decoded.push({ message, event: result.event });
        positions.push(index);
      } else {
        invalid.push({ index, reason: result.reason });
      }
    });

    const contactIds = await this.contactIdsOf(decoded.map(({ event }) => event));
    const accepted = decoded.map(({ message, event }) => ({
      message,
      event,
      row: inboundMessageRow(event, contactIds.get(contactKey({ account_id: event.account_id, address: event.sender_address })) ?? null),
    }));
    const stored = await this.store(accepted);
    stored.forEach((settlement, i) => (settlements[positions[i]] = settlement));
    // Only once the batch is not held for a database outage, or a held batch would dead-letter them twice.
    for (const { index, reason } of invalid) settlements[index] = this.deadLetter(messages[index], reason, 'invalid');
    return Promise.all(settlements);
  }

  private async contactIdsOf(events: readonly InboundMessageEvent[]): Promise<Map<string, string | null>> {
    if (!this.contacts || events.length === 0) return new Map();
    try {
      return await this.contacts.resolve(events.map((event) => ({ account_id: event.account_id, address: event.sender_address })));
    } catch (error) {
      // The resolver does not throw; should it ever, messages are still stored.
      this.logger.error(`contact resolution failed: ${(error as Error)?.message ?? String(error)}`);
      return new Map();
    }
  }

  private async store(accepted: readonly AcceptedEvent[]): Promise<Array<Promise<Settlement>>> {
    if (accepted.length === 0) return [];
    try {
      this.committed(accepted, await this.writer.insert(accepted.map(({ row }) => row)));
      return accepted.map(() => Promise.resolve('ack'));
    } catch (error) {
      await this.throwIfDatabaseDown(error);
      if (accepted.length > 1) {
        this.logger.warn(`batch of ${accepted.length} failed (${describeDatabaseError(error)}); inserting one by one`);
      }
      return this.storeOneByOne(accepted, accepted.length === 1 ? error : undefined);
    }
  }

  /** `knownFailure`: the error a lone event already got, so it is not inserted twice. */
  private async storeOneByOne(accepted: readonly AcceptedEvent[], knownFailure?: unknown): Promise<Array<Promise<Settlement>>> {
    const settlements: Array<Promise<Settlement>> = [];
    let databaseDown: string | undefined;
    for (const item of accepted) {
      if (databaseDown !== undefined) {
        settlements.push(this.retry(item.message, databaseDown, 'database_unavailable'));
        continue;
      }
      try {
        if (knownFailure !== undefined) throw knownFailure;
        this.committed([item], await this.writer.insert([item.row]));
        settlements.push(Promise.resolve('ack'));
      } catch (error) {
        await this.throwIfDatabaseDown(error);
        if (databaseFailureKind(error) === 'permanent') {
          settlements.push(
            this.deadLetter(item.message, `database refused the event: ${describeDatabaseError(error)}`, 'database_refused'),
          );
        } else {
          // The database, not the event, failed: trying the rest now would only fail again.
          databaseDown = `database unavailable: ${describeDatabaseError(error)}`;
          this.logger.warn(`${databaseDown}; ${accepted.length - settlements.length} events go to the retry path`);
          settlements.push(this.retry(item.message, databaseDown, 'database_unavailable'));
        }
      }
    }
    return settlements;
  }

  /** Rows inserted one by one before are skipped as duplicates when the batch runs again. */
  private throwIfDatabaseDown(error: unknown): Promise<void> {
    return throwIfDatabaseUnreachable(error, () => this.consumer.databaseReachable());
  }

  private committed(items: readonly AcceptedEvent[], inserted: number): void {
    this.metrics.applied.inc(inserted);
    if (items.length > inserted) this.metrics.duplicates.inc(items.length - inserted);
    const now = Date.now();
    for (const { event } of items) {
      const lagSeconds = (now - Date.parse(event.received_at)) / 1000;
      if (Number.isFinite(lagSeconds) && lagSeconds >= 0) this.metrics.queueLag.observe(lagSeconds);
    }
  }

  private async deadLetter(message: ConsumeMessage, reason: string, label: FailureLabel): Promise<Settlement> {
    try {
      await this.failures.deadLetter(message, reason);
      this.metrics.deadLettered.inc({ reason: label });
      this.logger.warn({ event_id: message.properties.messageId, reason }, 'event dead-lettered');
      return 'ack';
    } catch (error) {
      this.logger.error(
        { event_id: message.properties.messageId, reason, error: (error as Error)?.message },
        'could not dead-letter; rejecting',
      );
      return 'reject';
    }
  }

  private async retry(message: ConsumeMessage, reason: string, label: FailureLabel): Promise<Settlement> {
    try {
      const outcome = await this.failures.retry(message, reason);
      if (outcome.action === 'retried') {
        this.metrics.retried.inc({ reason: label });
      } else {
        this.metrics.deadLettered.inc({ reason: label });
        this.logger.warn({ event_id: message.properties.messageId, reason: outcome.reason }, 'event dead-lettered');
      }
      return 'ack';
    } catch (error) {
      this.logger.error({ event_id: message.properties.messageId, reason, error: (error as Error)?.message }, 'could not retry; rejecting');
      return 'reject';
    }
  }
}

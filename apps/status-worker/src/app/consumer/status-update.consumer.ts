import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { eventTimeMillis, isLifecycleStatus } from '@inbound/contracts';
import { attemptOf, FailureRouter } from '@inbound/messaging';
import {
  describeDatabaseError,
  isPermanentDataError,
  throwIfDatabaseUnreachable,
  WORKER_CONFIG,
  WorkerConsumer,
  type Settlement,
  type WorkerConfig,
} from '@inbound/runtime';
import type { ConsumeMessage } from 'amqplib';
import { PartlyAppliedBatchError } from '../apply/lifecycle-batch';
import { StatusBatchApplier } from '../apply/status-batch.applier';
import { isWatermarkUpdate, type StatusUpdate, type StatusUpdateResult } from '../apply/status-batch.types';
import { StatusWorkerMetrics } from '../metrics/status-worker.metrics';
import { decodeStatusUpdate } from './status-delivery';

/** Two keep PostgreSQL busy while the next batch is decoded and the last acked; more would queue on the campaign rows. */
export const STATUS_BATCH_CONCURRENCY = 2;

/**
 * While a batch is in PostgreSQL or began less than this long ago, the next waits this long after its first event for
 * more: in a storm, about 45 statuses a transaction instead of 25 (less CPU per status in the worker and PostgreSQL;
 * docs/BENCHMARKS.md, seventh session); after a quiet spell, an event goes at once. 20 ms doubled a campaign's lag
 * after its last call.
 */
export const STATUS_BATCH_LINGER_MS = 10;

/** Each of the concurrent batches may hold an equal share of the prefetch window. */
export function statusBatchSize(prefetchCount: number): number {
  return Math.max(1, Math.ceil(prefetchCount / STATUS_BATCH_CONCURRENCY));
}

type ApplyOutcome = StatusUpdateResult | { kind: 'error'; error: unknown };

/** Settles each message only once its fate is durable (docs/STATUS-WORKER.md, "When an event cannot be applied"). */
@Injectable()
export class StatusUpdateConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(StatusUpdateConsumer.name);

  constructor(
    private readonly consumer: WorkerConsumer,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly applier: StatusBatchApplier,
    private readonly failures: FailureRouter,
    private readonly metrics: StatusWorkerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Bootstrap runs after every onModuleInit: the DataSource is open and the topology declared.
    await this.consumer.start((messages) => this.handleBatch(messages), {
      maxBatchSize: statusBatchSize(this.config.prefetchCount),
      maxConcurrentBatches: STATUS_BATCH_CONCURRENCY,
      busyLingerMs: STATUS_BATCH_LINGER_MS,
    });
  }

  async handleBatch(messages: readonly ConsumeMessage[]): Promise<Settlement[]> {
    const started = process.hrtime.bigint();
    this.metrics.batchSize.observe(messages.length);
    const settlements: Array<Settlement | Promise<Settlement>> = new Array(messages.length);
    const applicable: Array<{ index: number; update: StatusUpdate }> = [];
    const invalid: Array<{ index: number; reason: string }> = [];
    messages.forEach((message, index) => {
      const decoded = decodeStatusUpdate(message.content);
      if (decoded.ok) applicable.push({ index, update: decoded.event });
      else invalid.push({ index, reason: decoded.reason });
    });
    if (applicable.length > 0) {
      const outcomes = await this.applyIsolatingFailures(applicable.map(({ update }) => update));
      const appliedByStatus = new Map<string, number>();
      outcomes.forEach((outcome, i) => {
        const { index, update } = applicable[i];
        if (outcome.kind === 'applied') {
          // Counted once per batch and status: a storm applies thousands a second.
          const label = isLifecycleStatus(update.status) ? update.status : 'informational';
          appliedByStatus.set(label, (appliedByStatus.get(label) ?? 0) + 1);
          const lag = (Date.now() - eventTimeMillis(update.received_at)) / 1000;
          if (Number.isFinite(lag) && lag >= 0) this.metrics.queueLag.observe(lag);
          settlements[index] = 'ack';
        } else {
          settlements[index] = this.settle(messages[index], update, outcome);
        }
      });
      for (const [status, count] of appliedByStatus) this.metrics.applied.inc({ status }, count);
    }
    // Only once the batch is not held for a database outage, or a held batch would dead-letter them twice.
    for (const { index, reason } of invalid) settlements[index] = this.deadLetter(messages[index], reason, 'invalid');
    const settled = await Promise.all(settlements);
    this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return settled;
  }

  /**
   * The batch as the applier takes it, else one event at a time so a poison event fails alone; a database outage holds
   * the batch instead. When passes of the batch had committed before one failed, their results stand and only the
   * rest is taken one at a time.
   */
  private async applyIsolatingFailures(updates: StatusUpdate[]): Promise<ApplyOutcome[]> {
    let committed: ReadonlyArray<StatusUpdateResult | undefined> = [];
    try {
      return await this.applier.apply(updates);
    } catch (thrown) {
      const error = thrown instanceof PartlyAppliedBatchError ? thrown.failure : thrown;
      // Held and replayed whole: what had committed is then ignored as already recorded, which changes nothing.
      await this.throwIfDatabaseDown(error);
      if (updates.length === 1) return [{ kind: 'error', error }];
      if (thrown instanceof PartlyAppliedBatchError) committed = thrown.results;
      this.logger.warn(`a batch of ${updates.length} status events failed (${describeDatabaseError(error)}); applying them one by one`);
    }
    const outcomes: ApplyOutcome[] = [];
    for (const [index, update] of updates.entries()) {
      const done = committed[index];
      if (done !== undefined) {
        outcomes.push(done);
        continue;
      }
      try {
        outcomes.push((await this.applier.apply([update]))[0]);
      } catch (error) {
        // Those applied before are applied again after the pause, which changes nothing.
        await this.throwIfDatabaseDown(error);
        outcomes.push({ kind: 'error', error });
      }
    }
    return outcomes;
  }

  private throwIfDatabaseDown(error: unknown): Promise<void> {
    return throwIfDatabaseUnreachable(error, () => this.consumer.databaseReachable());
  }

  /** The fate of an update that was not applied (applied ones are acked and counted by the batch). */
  private async settle(
    message: ConsumeMessage,
    update: StatusUpdate,
    outcome: Exclude<ApplyOutcome, { kind: 'applied' }>,
  ): Promise<Settlement> {
    switch (outcome.kind) {
      case 'ignored':
        this.metrics.ignored.inc({ reason: outcome.reason });
        return 'ack';
      case 'not_found':
        if (isWatermarkUpdate(update) && attemptOf(message) >= this.failures.maxAttempts) {
          // Still covering nothing after the retry window: the next watermark covers the same messages. Dead-lettering
          // would fill the DLQ for every user on another app (Page Inbox replies have no row here).
          this.metrics.ignored.inc({ reason: 'no_messages_covered' });
          return 'ack';
        }
        return this.retry(message, notFoundReason(update), 'not_found');
      case 'error': {
        const reason = `could not be applied: ${describeDatabaseError(outcome.error)}`;
        this.logger.warn(`status event ${update.event_id} ${reason}`);
        return isPermanentDataError(outcome.error) ? this.deadLetter(message, reason, 'error') : this.retry(message, reason, 'error');
      }
    }
  }

  private async retry(message: ConsumeMessage, reason: string, label: string): Promise<Settlement> {
    try {
      const outcome = await this.failures.retry(message, reason);
      if (outcome.action === 'retried') {
        this.metrics.retried.inc({ reason: label });
      } else {
        this.metrics.deadLettered.inc({ reason: label });
        this.logger.warn(`status event ${message.properties.messageId ?? '?'} dead-lettered: ${outcome.reason}`);
      }
      return 'ack';
    } catch (error) {
      this.logger.error(
        `could not move status event ${message.properties.messageId ?? '?'} to the retry path: ${describeDatabaseError(error)}`,
      );
      return 'reject';
    }
  }

  private async deadLetter(message: ConsumeMessage, reason: string, label: string): Promise<Settlement> {
    try {
      await this.failures.deadLetter(message, reason);
      this.metrics.deadLettered.inc({ reason: label });
      this.logger.warn(`status event ${message.properties.messageId ?? '?'} dead-lettered: ${reason}`);
      return 'ack';
    } catch (error) {
      this.logger.error(`could not dead-letter status event ${message.properties.messageId ?? '?'}: ${describeDatabaseError(error)}`);
      return 'reject';
    }
  }
}

function notFoundReason(update: StatusUpdate): string {
  const recipient = JSON.stringify(update.recipient_address);
  if (update.provider_message_id === undefined) {
    return `no outbound message to ${recipient} sent by ${update.watermark ?? '?'} on channel ${update.channel_id}`;
  }
  const named = `provider_message_id ${JSON.stringify(update.provider_message_id)}`;
  return update.recipient_address === undefined
    ? `no outbound message with ${named} on channel ${update.channel_id}`
    : `no outbound message with ${named} to ${recipient} on channel ${update.channel_id}`;
}

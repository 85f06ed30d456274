import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { attemptOf, isLifecycleStatus, FailureRouter, STATUS_QUEUE } from '@inbound/messaging';
import { WORKER_CONFIG, type WorkerConfig } from '@inbound/runtime';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { describeError, isPermanentDataError } from '../apply/database-error';
import { StatusBatchApplier } from '../apply/status-batch.applier';
import { isWatermarkUpdate, type StatusUpdate, type StatusUpdateResult } from '../apply/status-batch.types';
import { StatusWorkerMetrics } from '../metrics/status-worker.metrics';
import { BatchScheduler } from './batch.scheduler';
import { DeliveryAcknowledger } from './delivery.acknowledger';
import { decodeStatusUpdate, type StatusDelivery } from './status-delivery';

/**
 * Batches applied at once per process. Two keep PostgreSQL busy while the next batch is
 * decoded and the last one acked; more would mostly queue on the campaign rows, which nearly
 * every batch of a campaign's status storm updates.
 */
export const STATUS_BATCH_CONCURRENCY = 2;

/** Each of the concurrent batches may hold an equal share of the prefetch window. */
export function statusBatchSize(prefetchCount: number): number {
  return Math.max(1, Math.ceil(prefetchCount / STATUS_BATCH_CONCURRENCY));
}

type ApplyOutcome = StatusUpdateResult | { kind: 'error'; error: unknown };

/**
 * Consumes `message.status.update` on a channel of its own (on the golevelup connection, so
 * reconnects re-run the subscription) with a prefetch window of PREFETCH_COUNT. Every
 * delivery is decoded and validated on arrival; valid ones are applied in batches of up to
 * half the window, two batches at a time (see BatchScheduler and StatusBatchApplier).
 *
 * Each delivery is settled exactly once, and only after its fate is durable (acks are
 * coalesced per channel, see DeliveryAcknowledger):
 * - applied or ignored (duplicate, stale): acked after the batch's transaction commits;
 * - invalid: dead-lettered with the reason, then acked;
 * - message not found (not committed yet?): sent to the delayed-retry path, then acked;
 *   after the last retry the failure router dead-letters it with the reason;
 * - the batch transaction fails: its events are applied one by one, so a poison event
 *   fails alone; one that still fails is dead-lettered (its data can never pass) or retried;
 * - the failure path itself fails (broker trouble): nacked without requeue, so the queue
 *   dead-letters it rather than spinning on it.
 */
@Injectable()
export class StatusUpdateConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatusUpdateConsumer.name);
  private readonly scheduler: BatchScheduler<StatusDelivery>;
  private channel?: ChannelWrapper;
  private consumerTag?: string;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly applier: StatusBatchApplier,
    private readonly failures: FailureRouter,
    private readonly metrics: StatusWorkerMetrics,
  ) {
    this.scheduler = new BatchScheduler<StatusDelivery>({
      maxBatchSize: statusBatchSize(config.prefetchCount),
      maxConcurrentBatches: STATUS_BATCH_CONCURRENCY,
      handle: (batch) => this.handleBatch(batch),
      onError: (error, batch) => {
        this.logger.error(`status batch handler failed: ${describeError(error)}`);
        // Whatever the handler did not settle goes back to the queue, to be applied again.
        for (const delivery of batch) this.nack(delivery, true);
      },
    });
  }

  /** Runs on every (re)connected channel: the window, then the subscription. */
  private readonly subscribe = async (channel: Channel): Promise<void> => {
    await channel.prefetch(this.config.prefetchCount);
    const acknowledger = new DeliveryAcknowledger(channel);
    // A closed channel's unacked messages return to the queue; those not yet batched are dropped.
    channel.once('close', () => this.scheduler.discard((delivery) => delivery.acknowledger === acknowledger));
    const { consumerTag } = await channel.consume(STATUS_QUEUE, (message) => {
      if (message) this.receive(acknowledger, message);
      else this.logger.warn('the broker cancelled the status consumer');
    });
    this.consumerTag = consumerTag;
  };

  async onApplicationBootstrap(): Promise<void> {
    // Bootstrap runs after every onModuleInit: the DataSource is open and the topology declared.
    this.channel = this.amqp.managedConnection.createChannel({ name: 'status-update-consumer', confirm: false });
    this.channel.on('error', (error: Error) => this.logger.error(`status consumer channel: ${error.message}`));
    await this.channel.addSetup(this.subscribe);
  }

  /**
   * Stop consuming, then finish what is in hand: cancel the subscription (no resubscribe on
   * reconnect), apply and ack every delivery already received, then close the channel. Runs
   * before any onApplicationShutdown, so the DataSource and the publisher are still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    this.channel = undefined;
    await channel
      .removeSetup(this.subscribe, async (raw: Channel) => {
        if (this.consumerTag) await raw.cancel(this.consumerTag);
      })
      .catch((error: unknown) => this.logger.warn(`cancelling the status consumer: ${describeError(error)}`));
    await this.scheduler.whenIdle();
    await channel.close().catch(() => undefined);
  }

  private receive(acknowledger: DeliveryAcknowledger, message: ConsumeMessage): void {
    this.scheduler.add({ acknowledger, message, decoded: decodeStatusUpdate(message.content), settled: false });
  }

  private async handleBatch(batch: StatusDelivery[]): Promise<void> {
    const started = process.hrtime.bigint();
    this.metrics.batchSize.observe(batch.length);
    const settlements: Array<Promise<void>> = [];
    const applicable: Array<{ delivery: StatusDelivery; update: StatusUpdate }> = [];
    for (const delivery of batch) {
      if (delivery.decoded.ok) applicable.push({ delivery, update: delivery.decoded.event });
      else settlements.push(this.deadLetter(delivery, delivery.decoded.reason, 'invalid'));
    }
    if (applicable.length > 0) {
      const outcomes = await this.applyIsolatingFailures(applicable.map(({ update }) => update));
      outcomes.forEach((outcome, index) => settlements.push(this.settle(applicable[index].delivery, applicable[index].update, outcome)));
    }
    await Promise.all(settlements);
    this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** The whole batch in one transaction; if that fails, each event in a transaction of its own. */
  private async applyIsolatingFailures(updates: StatusUpdate[]): Promise<ApplyOutcome[]> {
    try {
      return await this.applier.apply(updates);
    } catch (error) {
      if (updates.length === 1) return [{ kind: 'error', error }];
      this.logger.warn(`a batch of ${updates.length} status events failed (${describeError(error)}); applying them one by one`);
    }
    const outcomes: ApplyOutcome[] = [];
    for (const update of updates) {
      try {
        outcomes.push((await this.applier.apply([update]))[0]);
      } catch (error) {
        outcomes.push({ kind: 'error', error });
      }
    }
    return outcomes;
  }

  private async settle(delivery: StatusDelivery, update: StatusUpdate, outcome: ApplyOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'applied': {
        this.ack(delivery);
        this.metrics.applied.inc({ status: isLifecycleStatus(update.status) ? update.status : 'informational' });
        const lag = (Date.now() - Date.parse(update.received_at)) / 1000;
        if (Number.isFinite(lag) && lag >= 0) this.metrics.queueLag.observe(lag);
        return;
      }
      case 'ignored':
        this.ack(delivery);
        this.metrics.ignored.inc({ reason: outcome.reason });
        return;
      case 'not_found':
        if (isWatermarkUpdate(update) && attemptOf(delivery.message) >= this.failures.maxAttempts) {
          // A watermark still covering nothing after the retry window loses nothing: the next one
          // covers the same messages again. Dead-lettering it would fill the DLQ for every user
          // who talks to the page through another app (Page Inbox replies have no row here).
          this.ack(delivery);
          this.metrics.ignored.inc({ reason: 'no_messages_covered' });
          return;
        }
        return this.retry(delivery, notFoundReason(update), 'not_found');
      case 'error': {
        const reason = `could not be applied: ${describeError(outcome.error)}`;
        this.logger.warn(`status event ${update.event_id} ${reason}`);
        return isPermanentDataError(outcome.error) ? this.deadLetter(delivery, reason, 'error') : this.retry(delivery, reason, 'error');
      }
    }
  }

  private async retry(delivery: StatusDelivery, reason: string, label: string): Promise<void> {
    try {
      const outcome = await this.failures.retry(delivery.message, reason);
      this.ack(delivery);
      if (outcome.action === 'retried') {
        this.metrics.retried.inc({ reason: label });
      } else {
        this.metrics.deadLettered.inc({ reason: label });
        this.logger.warn(`status event ${delivery.message.properties.messageId ?? '?'} dead-lettered: ${outcome.reason}`);
      }
    } catch (error) {
      this.logger.error(`could not move status event ${delivery.message.properties.messageId ?? '?'} to the retry path: ${describeError(error)}`);
      this.nack(delivery, false);
    }
  }

  private async deadLetter(delivery: StatusDelivery, reason: string, label: string): Promise<void> {
    try {
      await this.failures.deadLetter(delivery.message, reason);
      this.ack(delivery);
      this.metrics.deadLettered.inc({ reason: label });
      this.logger.warn(`status event ${delivery.message.properties.messageId ?? '?'} dead-lettered: ${reason}`);
    } catch (error) {
      this.logger.error(`could not dead-letter status event ${delivery.message.properties.messageId ?? '?'}: ${describeError(error)}`);
      this.nack(delivery, false);
    }
  }

  private ack(delivery: StatusDelivery): void {
    if (delivery.settled) return;
    delivery.settled = true;
    delivery.acknowledger.ack(delivery.message);
  }

  private nack(delivery: StatusDelivery, requeue: boolean): void {
    if (delivery.settled) return;
    delivery.settled = true;
    delivery.acknowledger.nack(delivery.message, requeue);
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

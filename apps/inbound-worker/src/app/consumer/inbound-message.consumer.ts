import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { INBOUND_QUEUE } from '@inbound/messaging';
import { WORKER_CONFIG, type WorkerConfig } from '@inbound/runtime';
import type { Channel, ConsumeMessage } from 'amqplib';
import { setTimeout as delay } from 'node:timers/promises';
import { GroupCommitBatcher } from './group-commit.batcher';
import { InboundBatchProcessor, type Settlement } from './inbound-batch.processor';

/** Batches in flight at once: one being written while the next one gathers and resolves contacts. */
const CONCURRENT_BATCHES = 2;

/** How long shutdown waits for the broker to answer after the last acks. */
const ACK_BARRIER_TIMEOUT_MS = 5_000;
/** Time the broker gets to apply the last acks to the quorum queue before the channel closes. */
const ACK_SETTLE_PAUSE_MS = 250;

class UnsettledMessageError extends Error {
  constructor() {
    super('the message could not be moved to the retry or dead-letter queue');
  }
}

/**
 * Rejects without requeue: the queue's dead-letter policy moves the message to
 * `webhook.inbound.dlq`, so it is neither lost nor redelivered in a loop. Never throws: on a
 * channel that is already gone the broker redelivers the message anyway.
 */
function rejectToDeadLetterQueue(channel: Channel, message: ConsumeMessage): void {
  try {
    channel.nack(message, false, false);
  } catch {
    // channel closed: the unacked message returns to the queue
  }
}

/**
 * The consumer of `webhook.inbound`. Each delivery joins a batch; golevelup acks it when its
 * own promise resolves (after its batch committed, or after it was moved to the retry or
 * dead-letter queue) and rejects it when the promise fails.
 *
 * On shutdown (onModuleDestroy, before any connection closes) it stops consuming, then
 * finishes the batches in hand, so nothing delivered is left half done.
 */
@Injectable()
export class InboundMessageConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InboundMessageConsumer.name);
  private readonly batcher: GroupCommitBatcher<ConsumeMessage, Settlement>;

  constructor(
    private readonly amqp: AmqpConnection,
    processor: InboundBatchProcessor,
    @Inject(WORKER_CONFIG) config: WorkerConfig,
  ) {
    this.batcher = new GroupCommitBatcher((messages) => processor.process(messages), {
      // Never more than the broker lets us hold: one prefetch window per batch at most.
      maxBatchSize: config.prefetchCount,
      maxConcurrentBatches: CONCURRENT_BATCHES,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Subscribed here rather than with @RabbitSubscribe so that the consumer starts after the
    // topology is declared (WorkerLifecycle.onModuleInit) and is this class's to stop.
    await this.amqp.createSubscriber(
      (_body: unknown, message?: ConsumeMessage) => this.receive(message),
      {
        queue: INBOUND_QUEUE,
        createQueueIfNotExists: false,
        // The body is decoded and validated in the batch, so that a malformed one is
        // dead-lettered with its reason instead of failing in the library.
        deserializer: () => undefined,
        errorHandler: rejectToDeadLetterQueue,
      },
      'InboundMessageConsumer',
    );
  }

  private async receive(message?: ConsumeMessage): Promise<void> {
    if (!message) return;
    if ((await this.batcher.add(message)) === 'reject') throw new UnsettledMessageError();
  }

  async onModuleDestroy(): Promise<void> {
    // Every tag this connection registered (a reconnect adds a new one); old ones fail quietly.
    for (const tag of this.amqp.consumerTags) {
      await this.amqp.cancelConsumer(tag).catch(() => undefined);
    }
    if (this.batcher.busy) this.logger.log('stopping: finishing the batches in hand');
    await this.batcher.drain();
    await this.acksDelivered();
  }

  /**
   * Shutdown must not close the channel on acks the broker has not applied yet, or it hands
   * committed messages out again (seen in the SIGTERM test before this was added):
   * 1. golevelup acks each message just after its promise settles: let those run;
   * 2. one round trip on the same channel: the broker reads a channel's frames in order, so
   *    its answer means it has received every ack;
   * 3. a short pause: the broker passes acks on to a quorum queue asynchronously, and a burst
   *    of them closed on at once still had some messages handed out again (RabbitMQ 3.10).
   * Were an ack lost anyway, its message comes back and is skipped as a duplicate: never a
   * second row.
   */
  private async acksDelivered(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ACK_BARRIER_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.amqp.channel.checkQueue(INBOUND_QUEUE).then(() => undefined), giveUp]);
      await delay(ACK_SETTLE_PAUSE_MS);
    } catch {
      // the channel is gone: unacked messages return to the queue and come back as duplicates
    } finally {
      clearTimeout(timer);
    }
  }
}

import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { setTimeout as delay } from 'node:timers/promises';
import { BatchScheduler } from './batch-scheduler';
import { DatabaseUnavailableError, describeDatabaseError } from './database-error';
import { DeliveryAcknowledger } from './delivery-acknowledger';

/** `ack` once the message's fate is durable; `reject` when it could not be moved, so the queue dead-letters it. */
export type Settlement = 'ack' | 'reject';

export type ConsumerState = 'starting' | 'consuming' | 'paused' | 'resubscribing' | 'stopped';

export interface ConsumerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface BatchedConsumerOptions {
  queue: string;
  prefetchCount: number;
  maxBatchSize: number;
  maxConcurrentBatches: number;
  /** BatchScheduler's `busyLingerMs`. */
  busyLingerMs?: number;
  /** One settlement per message, in order. DatabaseUnavailableError holds the batch; any other throw requeues it. */
  handle: (messages: readonly ConsumeMessage[]) => Promise<Settlement[]>;
  /** Whether the database answers now; polled while paused. Must not throw. */
  databaseReachable: () => Promise<boolean>;
  /** Runs on every new channel before consuming (declares the queue again if it was deleted). */
  declare?: (channel: Channel) => Promise<void>;
  /** Republishes a held message (confirmed) so it can be acked: a long pause must not hit the broker's consumer timeout. */
  release: (message: ConsumeMessage) => Promise<void>;
  /** How long held deliveries stay unacked before they are released. Default 5 min. */
  holdLimitMs?: number;
  /** First wait before probing the database or subscribing again; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger: ConsumerLogger;
  onStateChange?: (state: ConsumerState) => void;
  /** Every subscription after the first (consumer cancelled, channel or connection lost). */
  onResubscribe?: (reason: string) => void;
}

interface Delivery {
  acknowledger: DeliveryAcknowledger;
  message: ConsumeMessage;
  settled: boolean;
}

interface ActiveChannel {
  channel: Channel;
  acknowledger: DeliveryAcknowledger;
  consumerTag?: string;
  closed: boolean;
}

/** How long shutdown waits for the broker to answer after the last acks. */
const ACK_BARRIER_TIMEOUT_MS = 5_000;
/** Time the broker gets to apply the last acks to the quorum queue before the channel closes. */
const ACK_SETTLE_PAUSE_MS = 250;

/** The one consumer both workers run: see docs/STATUS-WORKER.md, "The consumer engine (both workers)". */
export class BatchedConsumer {
  private readonly scheduler: BatchScheduler<Delivery>;
  private readonly holdLimitMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private active?: ActiveChannel;
  private opening?: Promise<void>;
  private currentState: ConsumerState = 'starting';
  private stopping = false;
  private subscriptions = 0;
  /** Deliveries held while the database is away, oldest first. */
  private held: Delivery[] = [];
  private heldSince?: number;
  private probing?: Promise<void>;
  /** Failed channel opens in a row: the wait before the next one grows with it. */
  private reopenAttempt = 0;
  private readonly onConnect = () => void this.openChannel('connection re-established');

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly options: BatchedConsumerOptions,
  ) {
    this.holdLimitMs = options.holdLimitMs ?? 5 * 60_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.scheduler = new BatchScheduler<Delivery>({
      maxBatchSize: options.maxBatchSize,
      maxConcurrentBatches: options.maxConcurrentBatches,
      busyLingerMs: options.busyLingerMs,
      handle: (batch) => this.runBatch(batch),
      onError: (error, batch) => {
        options.logger.error(`batch handler failed: ${describeDatabaseError(error)}`);
        for (const delivery of batch) this.nack(delivery, true);
      },
    });
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  /** True while a subscription is active: the readiness check of a worker. */
  get isConsuming(): boolean {
    return this.currentState === 'consuming';
  }

  get heldCount(): number {
    return this.held.length;
  }

  async start(): Promise<void> {
    this.connection.on('connect', this.onConnect);
    await this.openChannel('start');
  }

  /** Held deliveries are not applied: they return to the queue when the channel closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.connection.removeListener('connect', this.onConnect);
    await this.opening?.catch(() => undefined);
    const active = this.active;
    if (active?.consumerTag && !active.closed) {
      await active.channel
        .cancel(active.consumerTag)
        .catch((error: unknown) => this.options.logger.warn(`cancelling the consumer: ${describeDatabaseError(error)}`));
    }
    await this.scheduler.whenIdle();
    this.held = [];
    this.setState('stopped');
    if (active && !active.closed) {
      await this.acksDelivered(active.channel);
      await active.channel.close().catch(() => undefined);
    }
  }

  private setState(state: ConsumerState): void {
    if (this.currentState === state || this.currentState === 'stopped') return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }

  private openChannel(reason: string): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.opening) return this.opening;
    this.opening = this.tryOpenChannel(reason).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async tryOpenChannel(reason: string): Promise<void> {
    const model = this.connection.connection as ChannelModel | undefined;
    if (!model || (this.active && !this.active.closed)) return;
    let channel: Channel;
    try {
      channel = await model.createChannel();
    } catch (error) {
      this.options.logger.warn(`could not open a consumer channel: ${describeDatabaseError(error)}`);
      this.scheduleReopen(reason);
      return;
    }
    const active: ActiveChannel = { channel, acknowledger: new DeliveryAcknowledger(channel), closed: false };
    this.active = active;
    channel.on('error', (error: Error) => this.options.logger.warn(`consumer channel: ${error.message}`));
    channel.once('close', () => this.channelClosed(active));
    try {
      await this.options.declare?.(channel);
      await channel.prefetch(this.options.prefetchCount);
      await this.subscribe(active, reason);
    } catch (error) {
      // A declare or consume the broker refused closes the channel; channelClosed reopens it.
      this.options.logger.warn(`could not subscribe to ${this.options.queue}: ${describeDatabaseError(error)}`);
      if (!active.closed) await channel.close().catch(() => undefined);
    }
  }

  private async subscribe(active: ActiveChannel, reason: string): Promise<void> {
    if (this.stopping || active.closed || active.consumerTag) return;
    const { consumerTag } = await active.channel.consume(this.options.queue, (message) => {
      if (message) this.receive(active, message);
      else this.consumerCancelled(active);
    });
    active.consumerTag = consumerTag;
    if (this.subscriptions++ > 0) {
      this.options.logger.log(`consuming ${this.options.queue} again (${reason})`);
      this.options.onResubscribe?.(reason);
    }
    if (this.currentState !== 'paused') this.setState('consuming');
  }

  private receive(active: ActiveChannel, message: ConsumeMessage): void {
    this.scheduler.add({ acknowledger: active.acknowledger, message, settled: false });
  }

  /** The broker cancelled the consumer (queue deleted or moved): subscribe again on a fresh channel. */
  private consumerCancelled(active: ActiveChannel): void {
    this.options.logger.warn(`the broker cancelled the consumer of ${this.options.queue}`);
    active.consumerTag = undefined;
    if (this.stopping) return;
    this.setState('resubscribing');
    // A fresh channel also runs `declare`, which puts a deleted queue back. What this channel
    // holds unacked returns to the queue when it closes.
    void active.channel.close().catch(() => undefined);
  }

  private channelClosed(active: ActiveChannel): void {
    active.closed = true;
    // Unacked deliveries of a closed channel are back in the queue: drop our copies.
    this.scheduler.discard((delivery) => delivery.acknowledger === active.acknowledger);
    this.held = this.held.filter((delivery) => delivery.acknowledger !== active.acknowledger);
    if (this.held.length === 0) this.heldSince = undefined;
    if (this.active === active) this.active = undefined;
    if (this.stopping) return;
    if (this.currentState !== 'paused') this.setState('resubscribing');
    // While the connection is down, its 'connect' event opens the next channel.
    if (this.connection.isConnected()) this.scheduleReopen('channel closed');
  }

  private scheduleReopen(reason: string): void {
    const wait = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.reopenAttempt);
    this.reopenAttempt += 1;
    setTimeout(() => {
      void this.openChannel(reason).then(() => {
        if (this.active && !this.active.closed) this.reopenAttempt = 0;
      });
    }, wait).unref();
  }

  private async runBatch(batch: Delivery[]): Promise<void> {
    if (this.currentState === 'paused') {
      this.hold(batch);
      return;
    }
    let settlements: Settlement[];
    try {
      settlements = await this.options.handle(batch.map((delivery) => delivery.message));
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      this.hold(batch);
      this.pause(error);
      return;
    }
    batch.forEach((delivery, index) => {
      if (settlements[index] === 'ack') this.ack(delivery);
      else this.nack(delivery, false);
    });
  }

  private hold(batch: Delivery[]): void {
    for (const delivery of batch) if (!delivery.settled) this.held.push(delivery);
    this.heldSince ??= Date.now();
  }

  /** The subscription stays (prefetch bounds it; a cancel would race deliveries in flight); arrivals are held, unacked. */
  private pause(error: DatabaseUnavailableError): void {
    if (this.currentState === 'paused' || this.stopping) return;
    this.options.logger.warn(`${error.message}: pausing ${this.options.queue} until it answers`);
    this.setState('paused');
    this.probing ??= this.probeUntilReachable().finally(() => (this.probing = undefined));
  }

  private async probeUntilReachable(): Promise<void> {
    let wait = this.initialBackoffMs;
    while (!this.stopping) {
      await delay(wait);
      wait = Math.min(this.maxBackoffMs, wait * 2);
      if (this.held.length > 0 && this.heldSince !== undefined && Date.now() - this.heldSince >= this.holdLimitMs) await this.releaseHeld();
      if (await this.options.databaseReachable().catch(() => false)) break;
    }
    if (this.stopping) return;
    this.options.logger.log(`the database answers again: resuming ${this.options.queue} (${this.held.length} held deliveries first)`);
    const held = this.held;
    this.held = [];
    this.heldSince = undefined;
    this.setState(this.active && !this.active.closed && this.active.consumerTag ? 'consuming' : 'resubscribing');
    for (const delivery of held) this.scheduler.add(delivery);
  }

  private async releaseHeld(): Promise<void> {
    const held = this.held;
    this.held = [];
    this.heldSince = undefined;
    const kept: Delivery[] = [];
    for (const delivery of held) {
      try {
        await this.options.release(delivery.message);
        this.ack(delivery);
      } catch {
        kept.push(delivery);
      }
    }
    if (kept.length > 0) this.hold(kept);
    this.options.logger.warn(
      `released ${held.length - kept.length} held deliveries back to ${this.options.queue} after ${this.holdLimitMs} ms paused`,
    );
  }

  private ack(delivery: Delivery): void {
    if (delivery.settled) return;
    delivery.settled = true;
    delivery.acknowledger.ack(delivery.message);
  }

  private nack(delivery: Delivery, requeue: boolean): void {
    if (delivery.settled) return;
    delivery.settled = true;
    delivery.acknowledger.nack(delivery.message, requeue);
  }

  /**
   * One round trip proves the broker read every ack before the close, the pause lets the quorum queue apply them
   * (docs/STATUS-WORKER.md, "The consumer engine (both workers)").
   */
  private async acksDelivered(channel: Channel): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ACK_BARRIER_TIMEOUT_MS);
    });
    try {
      await Promise.race([channel.checkQueue(this.options.queue).then(() => undefined), giveUp]);
      await delay(ACK_SETTLE_PAUSE_MS);
    } catch {
      // the channel is gone: unacked messages return to the queue and come back as duplicates
    } finally {
      clearTimeout(timer);
    }
  }
}

import { connect, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { coalesceFrameWrites } from './coalesced-frame-writes';
import { InFlightList, type InFlightNode } from './in-flight-list';

export class PublishError extends Error {
  constructor(
    message: string,
    readonly reason: 'closed' | 'nack' | 'timeout' | 'not_connected' | 'unroutable',
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface ConfirmedPublisherOptions {
  url: string;
  confirmTimeoutMs?: number;
  onConfirm?: (latencySeconds: number, outcome: 'ack' | 'nack' | 'timeout' | 'closed' | 'unroutable') => void;
  /** Runs on every new channel and after an unroutable return: redeclaring puts back a missing queue. */
  setup?: (channel: ConfirmChannel) => Promise<void>;
}

export interface PublishableEvent {
  event_id: string;
}

interface Pending extends InFlightNode {
  /** The channel it was published on: only that channel's loss fails it. */
  channel: ConfirmChannel;
  /** performance.now() after which it fails with `timeout`: a monotonic clock, so a step of the wall clock moves no deadline. */
  deadline: number;
  settle: (error?: Error) => void;
}

// amqplib fails outstanding confirms with 'channel closed' when the channel goes away, with another error on a nack.
function confirmError(error: Error): PublishError {
  return /closed/i.test(error.message)
    ? new PublishError('publish not confirmed: channel closed', 'closed')
    : new PublishError('broker refused the message (nack)', 'nack');
}

/**
 * Publishes persistent JSON, mandatory, on one shared confirm channel, many in flight at once.
 * A publish resolves on the broker's confirm and rejects on a nack, the timeout, a close or a
 * return (`unroutable`), never waiting for a reconnect (docs/CONTRACTS.md, "Durability").
 */
export class ConfirmedPublisher {
  private connection?: ChannelModel;
  private channel?: ConfirmChannel;
  private connecting?: Promise<ConfirmChannel>;
  private readonly pending = new InFlightList<Pending>();
  private closedByUs = false;
  /** Messages of the current channel the broker returned, by message id, not yet matched to their confirm. */
  private returned = new Map<string, number>();
  private redeclaring = false;
  /** One timer for every publish in flight, armed for the oldest one's deadline (docs/CONTRACTS.md, "Durability"). */
  private expiryTimer?: NodeJS.Timeout;

  constructor(private readonly options: ConfirmedPublisherOptions) {}

  get isConnected(): boolean {
    return this.channel !== undefined;
  }

  async connect(): Promise<void> {
    await this.ensureChannel();
  }

  private ensureChannel(): Promise<ConfirmChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    if (!this.connecting) {
      this.closedByUs = false;
      this.connecting = this.withinConfirmTimeout(this.open()).finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** Opening the channel and declaring the topology are round trips the socket timeout does not bound. */
  private withinConfirmTimeout(opening: Promise<ConfirmChannel>): Promise<ConfirmChannel> {
    const timeoutMs = this.options.confirmTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`broker did not open a channel within ${timeoutMs} ms`)), timeoutMs);
    });
    opening.catch(() => undefined); // a late failure after the timeout is nobody's to handle
    return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
  }

  private async open(): Promise<ConfirmChannel> {
    // No Nagle: with delayed ACKs it adds up to 40 ms to a webhook's answer. The timeout bounds
    // the TCP connect and the handshake.
    const connection = await connect(this.options.url, { noDelay: true, timeout: this.options.confirmTimeoutMs ?? 5_000 });
    // Listened to from the start: a broker that refuses a declaration of the setup, or a connection lost meanwhile,
    // emits 'error' before the pending call rejects, and an 'error' nobody listens to ends the process. What failed
    // reaches the caller as that rejection; later, 'close' follows every 'error' and is handled there.
    connection.on('error', () => undefined);
    coalesceFrameWrites(connection);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      if (this.options.setup) await this.options.setup(channel);
      this.returned = new Map();
      channel.on('return', (message: { properties: { messageId?: string } }) => this.onReturn(channel, message.properties.messageId));
      const lost = (why: string) => () => this.dropChannel(connection, channel, why);
      connection.on('close', lost('connection closed'));
      channel.on('close', lost('channel closed'));
      if (this.channel || this.closedByUs) {
        // Opened after a timeout, while another attempt already took over (or the publisher closed).
        await connection.close().catch(() => undefined);
        if (this.channel) return this.channel;
        throw new Error('publisher is closed');
      }
      this.connection = connection;
      this.channel = channel;
      return channel;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  private onReturn(channel: ConfirmChannel, messageId: string | undefined): void {
    const key = messageId ?? '';
    this.returned.set(key, (this.returned.get(key) ?? 0) + 1);
    if (this.redeclaring || !this.options.setup) return;
    this.redeclaring = true;
    this.options
      .setup(channel)
      .catch(() => undefined) // a failed declaration closes the channel; the next publish reconnects
      .finally(() => (this.redeclaring = false));
  }

  /** True, once, when the broker returned this message: its confirm does not mean it was queued. */
  private takeReturned(messageId: string | undefined): boolean {
    if (this.returned.size === 0) return false;
    const key = messageId ?? '';
    const count = this.returned.get(key);
    if (!count) return false;
    if (count === 1) this.returned.delete(key);
    else this.returned.set(key, count - 1);
    return true;
  }

  private dropChannel(connection: ChannelModel, channel: ConfirmChannel, why: string): void {
    if (this.channel === channel) this.channel = undefined;
    if (this.connection === connection) {
      this.connection = undefined;
      // The channel may close alone (e.g. a missing exchange); drop its connection too.
      connection.close().catch(() => undefined);
    }
    // A late close of an old channel must not fail what is in flight on its successor.
    const error = new PublishError(`publish not confirmed: ${why}`, 'closed');
    for (const entry of this.pending.toArray()) if (entry.channel === channel) entry.settle(error);
  }

  publish(exchange: string, routingKey: string, event: PublishableEvent, headers?: Options.Publish['headers']): Promise<void> {
    let body: Buffer;
    let messageId: string;
    try {
      body = Buffer.from(JSON.stringify(event));
      messageId = event.event_id;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.publishRaw(exchange, routingKey, body, { messageId, headers });
  }

  /**
   * Not an async function: while connected (the usual case) the publish goes out in the caller's turn and the only
   * promise made is the one its confirm settles.
   */
  publishRaw(exchange: string, routingKey: string, body: Buffer, options: Options.Publish = {}): Promise<void> {
    if (this.closedByUs) return Promise.reject(new PublishError('publisher is closed', 'not_connected'));
    if (this.channel) return this.publishOn(this.channel, exchange, routingKey, body, options);
    return this.ensureChannel().then(
      (channel) => this.publishOn(channel, exchange, routingKey, body, options),
      (error: unknown) => {
        throw new PublishError(`broker unavailable: ${(error as Error).message}`, 'not_connected');
      },
    );
  }

  private publishOn(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> {
    const started = process.hrtime.bigint();
    const timeoutMs = this.options.confirmTimeoutMs ?? 5_000;
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = {
        previous: null,
        next: null,
        channel,
        deadline: performance.now() + timeoutMs,
        settle: (error?: Error) => {
          if (!this.pending.remove(entry)) return;
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const outcome = !error ? 'ack' : ((error as PublishError).reason ?? 'nack');
          this.options.onConfirm?.(seconds, outcome as 'ack' | 'nack' | 'timeout' | 'closed' | 'unroutable');
          if (error) reject(error);
          else resolve();
        },
      };
      this.pending.add(entry);
      this.expiryTimer ??= this.armExpiry(timeoutMs);
      try {
        channel.publish(
          exchange,
          routingKey,
          body,
          { contentType: 'application/json', persistent: true, mandatory: true, ...options },
          (error) => {
            const returned = this.takeReturned(options.messageId);
            if (error) entry.settle(confirmError(error));
            else if (returned) {
              entry.settle(new PublishError(`no queue is bound for ${exchange} ${routingKey}: the message was returned`, 'unroutable'));
            } else entry.settle();
          },
        );
      } catch (error) {
        // amqplib throws synchronously when the channel is already closing.
        entry.settle(new PublishError(`publish failed: ${(error as Error).message}`, 'closed'));
      }
    });
  }

  /**
   * Publishes are in the list in the order they were made, all with the same timeout, so the oldest is always the next
   * to expire: one timer armed for it replaces a timer per publish. Unreferenced: a publish in flight keeps the process
   * alive through its socket, not through its timeout.
   */
  private armExpiry(timeoutMs: number): NodeJS.Timeout | undefined {
    const oldest = this.pending.first;
    if (!oldest) return undefined;
    const timer = setTimeout(
      () => {
        this.expiryTimer = undefined;
        const now = performance.now();
        for (let entry = this.pending.first; entry && entry.deadline <= now; entry = this.pending.first) {
          entry.settle(new PublishError(`no confirm within ${timeoutMs} ms`, 'timeout'));
        }
        this.expiryTimer = this.armExpiry(timeoutMs);
      },
      Math.max(0, oldest.deadline - performance.now()),
    );
    timer.unref();
    return timer;
  }

  /** Waits for in-flight publishes to settle, then closes the connection. */
  async close(): Promise<void> {
    this.closedByUs = true;
    const deadline = Date.now() + (this.options.confirmTimeoutMs ?? 5_000);
    while (this.pending.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const connection = this.connection;
    this.channel = undefined;
    this.connection = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }
}

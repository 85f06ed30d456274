import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PLATFORM_EVENTS_EXCHANGE } from '@inbound/contracts';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { setTimeout as delay } from 'node:timers/promises';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { RealtimeMetrics } from './realtime-metrics';

/** One event as the stream sends it: its seq, its id (for duplicates), and the frame's text. */
export interface FeedEvent {
  seq: number;
  id: string;
  accountId: string;
  frame: string;
}

export type FeedListener = (event: FeedEvent) => void;

/** Events kept for resumes: what was published but whose outbox row may not be committed yet (seconds, at most). */
export const RECENT_EVENTS = { maxAgeMs: 60_000, maxCount: 50_000 } as const;

export function eventFrame(seq: number, payload: string): string {
  return `{"type":"event","seq":${seq},"event":${payload}}`;
}

/**
 * This replica's copy of `platform.events`: an exclusive, auto-deleted queue bound to `#`, consumed without acks (a
 * socket that misses an event resumes from the outbox). Keeps the last minute of events for resumes and hands each event
 * to the listeners of its account.
 */
@Injectable()
export class RealtimeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeFeed.name);
  private readonly listeners = new Map<string, Set<FeedListener>>();
  /** Oldest first from `head`; entries before it are expired and dropped in chunks, so each event costs the same. */
  private recent: Array<FeedEvent & { at: number }> = [];
  private head = 0;
  private connection?: ChannelModel;
  private stopped = false;
  private running?: Promise<void>;
  private connected = false;
  private queue?: string;
  private readonly abort = new AbortController();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly metrics: RealtimeMetrics,
  ) {}

  /** The name the broker gave this replica's queue while it is bound, for operators and tests. */
  get queueName(): string | undefined {
    return this.queue;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  onModuleInit(): void {
    this.running = this.keepConsuming();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.connection?.close().catch(() => undefined);
    await this.running;
  }

  subscribe(accountId: string, listener: FeedListener): () => void {
    let set = this.listeners.get(accountId);
    if (!set) this.listeners.set(accountId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(accountId);
    };
  }

  /** The account's recent events after `seq`, in seq order. */
  recentAfter(accountId: string, seq: number): FeedEvent[] {
    const found: FeedEvent[] = [];
    for (let index = this.head; index < this.recent.length; index++) {
      const event = this.recent[index];
      if (event.accountId === accountId && event.seq > seq) found.push(event);
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  /** Handles one message of platform.events; public for the feed's own tests. */
  receive(message: Pick<ConsumeMessage, 'content' | 'properties'>): void {
    const headers = message.properties.headers ?? {};
    const seq = Number(headers['x-outbox-seq']);
    const accountId = headers['x-account-id'];
    const id = message.properties.messageId;
    if (!Number.isSafeInteger(seq) || typeof accountId !== 'string' || typeof id !== 'string') return;
    const event: FeedEvent = { seq, id, accountId, frame: eventFrame(seq, message.content.toString('utf8')) };
    this.metrics.feedEvents.inc();
    this.remember(event);
    for (const listener of this.listeners.get(accountId) ?? []) listener(event);
  }

  private remember(event: FeedEvent): void {
    const now = Date.now();
    this.recent.push({ ...event, at: now });
    const cutoff = now - RECENT_EVENTS.maxAgeMs;
    while (
      this.head < this.recent.length &&
      (this.recent.length - this.head > RECENT_EVENTS.maxCount || this.recent[this.head].at < cutoff)
    ) {
      this.head += 1;
    }
    // Copying once the dropped part is as long as the kept one keeps the cost per event constant.
    if (this.head > 1_024 && this.head * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.head);
      this.head = 0;
    }
  }

  /** Events kept for resumes now (for the feed's own tests and metrics). */
  get recentCount(): number {
    return this.recent.length - this.head;
  }

  private async keepConsuming(): Promise<void> {
    let pause = 500;
    while (!this.stopped) {
      try {
        const connection = await connect(this.config.rabbitmqUrl);
        this.connection = connection;
        let connectionClosed = false;
        const closed = new Promise<void>((resolve) => {
          connection.on('close', () => {
            connectionClosed = true;
            resolve();
          });
          connection.on('error', () => undefined);
        });
        // Stopped while connecting: the shutdown found no connection to close.
        if (this.stopped) {
          await connection.close().catch(() => undefined);
          break;
        }
        const channel: Channel = await connection.createChannel();
        // A channel the broker closes, or a consumer it cancels (its queue deleted), would leave the connection up and
        // the feed silent: either ends the connection, and the loop binds a new queue. Deferred a turn, because a lost
        // connection closes its channels first: then there is nothing left to close.
        const reconnect = () =>
          setImmediate(() => {
            if (!connectionClosed && !this.stopped) connection.close().catch(() => undefined);
          });
        channel.on('error', () => undefined);
        channel.on('close', reconnect);
        await channel.assertExchange(PLATFORM_EVENTS_EXCHANGE, 'topic', { durable: true });
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, PLATFORM_EVENTS_EXCHANGE, '#');
        this.queue = queue;
        await channel.consume(
          queue,
          (message) => {
            if (message) this.receive(message);
            else reconnect();
          },
          { noAck: true },
        );
        this.connected = true;
        pause = 500;
        await closed;
      } catch (error) {
        if (!this.stopped) this.logger.warn(`realtime feed: ${(error as Error).message}`);
      } finally {
        this.connected = false;
        this.queue = undefined;
      }
      if (!this.stopped) {
        await delay(pause, undefined, { signal: this.abort.signal }).catch(() => undefined);
        pause = Math.min(pause * 2, 10_000);
      }
    }
  }
}

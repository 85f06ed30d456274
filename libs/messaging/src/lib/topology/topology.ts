import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS, deadLetterPolicyCommand } from './dead-letter-policy';
import {
  deadLetterQueueName,
  INBOUND_BINDING,
  INBOUND_EXCHANGE,
  INBOUND_QUEUE,
  OUTBOUND_BINDING,
  OUTBOUND_QUEUE,
  PLATFORM_EVENTS_EXCHANGE,
  retryQueueName,
  STATUS_BINDING,
  STATUS_EXCHANGE,
  STATUS_QUEUE,
} from '@inbound/contracts';

export * from './dead-letter-policy';

/** Deliveries of one message before the broker dead-letters it (see declareQueueTopology). */
export const MAX_DELIVERIES = 20;

export interface QueueTopology {
  queue: string;
  exchange: string;
  binding: string;
}

export const INBOUND_TOPOLOGY: QueueTopology = {
  queue: INBOUND_QUEUE,
  exchange: INBOUND_EXCHANGE,
  binding: INBOUND_BINDING,
};

export const STATUS_TOPOLOGY: QueueTopology = {
  queue: STATUS_QUEUE,
  exchange: STATUS_EXCHANGE,
  binding: STATUS_BINDING,
};

/** The inbound half's queues: what the gateway declares before it publishes. */
export const ALL_TOPOLOGIES: readonly QueueTopology[] = [INBOUND_TOPOLOGY, STATUS_TOPOLOGY];

/** The event dispatcher's: every outbound event, for subscriber webhooks. */
export const OUTBOUND_TOPOLOGY: QueueTopology = {
  queue: OUTBOUND_QUEUE,
  exchange: PLATFORM_EVENTS_EXCHANGE,
  binding: OUTBOUND_BINDING,
};

/** A queue that exists with the arguments of an earlier release, so dead-letters at most once. */
export interface DeadLetteringWarning {
  queue: string;
  message: string;
}

export interface TopologyDeclarationOptions {
  /** Opens the spare channel the dead-lettering queues are declared on: a refused declaration closes it, not the caller's. */
  openChannel?: () => Promise<Channel>;
  /** Called once per queue that keeps its old arguments; defaults to a log warning. */
  onWarning?: (warning: DeadLetteringWarning) => void;
}

const logger = new Logger('QueueTopology');

/** Declares both exchanges; publishers need nothing else. Idempotent. */
export async function declareExchanges(channel: Channel): Promise<void> {
  for (const { exchange } of ALL_TOPOLOGIES) {
    await channel.assertExchange(exchange, 'topic', { durable: true });
  }
}

type OpenableChannelClass = new (connection: Channel['connection']) => Channel & { open(): Promise<unknown> };

/** amqplib's createChannel, done on the connection of a channel we were handed (callers do not hold the connection). */
function spareChannelOpener(channel: Channel): () => Promise<Channel> {
  return async () => {
    const ChannelClass = channel.constructor as OpenableChannelClass;
    if (!channel.connection || typeof ChannelClass.prototype?.open !== 'function') {
      throw new Error('cannot open a spare channel on this connection: pass openChannel to the topology declaration');
    }
    const spare = new ChannelClass(channel.connection);
    await spare.open();
    return spare;
  };
}

/** The broker's answer to a redeclaration whose at-least-once arguments differ from the queue's. */
function refusedAtLeastOnceArguments(error: unknown): boolean {
  if ((error as { code?: unknown }).code !== 406) return false;
  const message = String((error as { message?: unknown }).message);
  return Object.keys(AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS).some((argument) => message.includes(`inequivalent arg '${argument}'`));
}

function oldArgumentsWarning(queue: string): DeadLetteringWarning {
  return {
    queue,
    message:
      `queue "${queue}" exists with the arguments of an earlier release (no x-dead-letter-strategy/x-overflow) ` +
      'and keeps them: it dead-letters at most once unless a policy sets at-least-once. ' +
      `Switch it in place with \`npm run queues:dead-letter-policy -- --vhost <vhost>\` or \`${deadLetterPolicyCommand('<vhost>')}\` ` +
      '(docs/DEPLOYMENT.md, "Dead-lettering at least once").',
  };
}

/**
 * Declares the dead-lettering queues on spare channels; one left by an earlier release is reported,
 * not fatal (docs/DEPLOYMENT.md, "Dead-lettering at least once").
 */
class DeadLetteringQueueDeclarer {
  private spare?: Promise<Channel>;

  constructor(
    private readonly openChannel: () => Promise<Channel>,
    private readonly onWarning: (warning: DeadLetteringWarning) => void,
  ) {}

  async declare(queue: string, argumentsOfQueue: Record<string, unknown>): Promise<void> {
    try {
      await (
        await this.channel()
      ).assertQueue(queue, {
        durable: true,
        arguments: { ...argumentsOfQueue, ...AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS },
      });
    } catch (error) {
      await this.close();
      if (!refusedAtLeastOnceArguments(error)) throw error;
      await (await this.channel()).checkQueue(queue);
      this.onWarning(oldArgumentsWarning(queue));
    }
  }

  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    const channel = await spare?.catch(() => undefined);
    // Closing a channel the broker already closed fails; there is nothing left to release then.
    await channel?.close().catch(() => undefined);
  }

  private channel(): Promise<Channel> {
    if (!this.spare) {
      this.spare = this.openChannel().then((channel) => {
        // A refused declaration rejects the call that sent it; the channel's error event repeats it.
        channel.on('error', () => undefined);
        return channel;
      });
    }
    return this.spare;
  }
}

/**
 * Declares one consumer's quorum queue, its dead-letter queue and its retry queues (TTL, then
 * back to the main queue). Idempotent: retry queues carry their delay in their name, so a new
 * schedule adds queues instead of conflicting (docs/CONTRACTS.md, "Exchanges, keys, queues").
 */
export async function declareQueueTopology(
  channel: Channel,
  topology: QueueTopology,
  retryDelaysMs: readonly number[],
  options: TopologyDeclarationOptions = {},
): Promise<void> {
  const dlq = deadLetterQueueName(topology.queue);
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const declarer = new DeadLetteringQueueDeclarer(
    options.openChannel ?? spareChannelOpener(channel),
    options.onWarning ?? ((warning) => logger.warn(warning.message)),
  );
  try {
    await declarer.declare(topology.queue, {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': dlq,
      // A message that keeps killing its consumer is dead-lettered instead of looping forever.
      'x-delivery-limit': MAX_DELIVERIES,
    });
    for (const delay of new Set(retryDelaysMs)) {
      await declarer.declare(retryQueueName(topology.queue, delay), {
        'x-queue-type': 'quorum',
        'x-message-ttl': delay,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.queue,
      });
    }
  } finally {
    await declarer.close();
  }
  await channel.bindQueue(topology.queue, topology.exchange, topology.binding);
}

export async function declareTopology(
  channel: Channel,
  retryDelaysMs: readonly number[],
  options: TopologyDeclarationOptions = {},
): Promise<void> {
  await declareExchanges(channel);
  for (const topology of ALL_TOPOLOGIES) {
    await declareQueueTopology(channel, topology, retryDelaysMs, options);
  }
}

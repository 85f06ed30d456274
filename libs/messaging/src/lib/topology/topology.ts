import type { Channel } from 'amqplib';
import {
  deadLetterQueueName,
  INBOUND_BINDING,
  INBOUND_EXCHANGE,
  INBOUND_QUEUE,
  retryQueueName,
  STATUS_BINDING,
  STATUS_EXCHANGE,
  STATUS_QUEUE,
} from './topology.constants';

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

export const ALL_TOPOLOGIES: readonly QueueTopology[] = [INBOUND_TOPOLOGY, STATUS_TOPOLOGY];

/** Declares both exchanges; publishers need nothing else. Idempotent. */
export async function declareExchanges(channel: Channel): Promise<void> {
  for (const { exchange } of ALL_TOPOLOGIES) {
    await channel.assertExchange(exchange, 'topic', { durable: true });
  }
}

/**
 * Declares one consumer's queue, its dead-letter queue and its retry queues. Idempotent as
 * long as the arguments are the same, which they are: retry queues carry their delay in
 * their name, so a new schedule adds queues instead of conflicting with old ones.
 *
 * - The main queue is a quorum queue; what a consumer rejects without requeue goes to the
 *   dead-letter queue through the default exchange.
 * - A retry queue holds a message for its delay (per-queue TTL), then dead-letters it back
 *   into the main queue. Retry queues have no consumer.
 */
export async function declareQueueTopology(
  channel: Channel,
  topology: QueueTopology,
  retryDelaysMs: readonly number[],
): Promise<void> {
  const dlq = deadLetterQueueName(topology.queue);
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': dlq,
      // A message that keeps killing its consumer (so is never acked nor nacked) is
      // dead-lettered after this many deliveries instead of looping forever.
      'x-delivery-limit': MAX_DELIVERIES,
    },
  });
  await channel.bindQueue(topology.queue, topology.exchange, topology.binding);
  for (const delay of new Set(retryDelaysMs)) {
    await channel.assertQueue(retryQueueName(topology.queue, delay), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delay,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.queue,
      },
    });
  }
}

/** Declares everything: both exchanges and both consumers' queues. */
export async function declareTopology(channel: Channel, retryDelaysMs: readonly number[]): Promise<void> {
  await declareExchanges(channel);
  for (const topology of ALL_TOPOLOGIES) {
    await declareQueueTopology(channel, topology, retryDelaysMs);
  }
}

import type { ChannelType } from './channel-type';

/** Exchange and queue names are contracts (docs/CONTRACTS.md, "Bus"). */
export const INBOUND_EXCHANGE = 'webhook.inbound';
export const STATUS_EXCHANGE = 'message.status';

export const INBOUND_QUEUE = 'webhook.inbound';
export const STATUS_QUEUE = 'message.status.update';

export const INBOUND_BINDING = 'webhook.inbound.#';
export const STATUS_BINDING = 'message.status.#';

export function inboundRoutingKey(channelType: ChannelType): string {
  return `webhook.inbound.${channelType}`;
}

export function statusRoutingKey(status: string): string {
  return `message.status.${status}`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
}

/** Outbound events after commit, routing key = the event type (docs/CONTRACTS.md, "Outbound events"). */
export const PLATFORM_EVENTS_EXCHANGE = 'platform.events';
/** What the event dispatcher consumes: every outbound event. */
export const OUTBOUND_QUEUE = 'webhook.outbound';
export const OUTBOUND_BINDING = '#';

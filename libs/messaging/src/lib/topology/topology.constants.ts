import { ChannelType } from '../events/channel-type';

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

/** Headers the failure path writes, so an operator can see why a message is where it is. */
export const HEADER_ATTEMPT = 'x-attempt';
export const HEADER_FAILURE_REASON = 'x-failure-reason';
export const HEADER_ORIGINAL_EXCHANGE = 'x-original-exchange';
export const HEADER_ORIGINAL_ROUTING_KEY = 'x-original-routing-key';
export const HEADER_FIRST_FAILED_AT = 'x-first-failed-at';

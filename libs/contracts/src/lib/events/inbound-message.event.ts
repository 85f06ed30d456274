import { CHANNEL_TYPES, type ChannelType } from '../channel-type';
import { FIELD_LIMITS } from '../field-limits';
import { type EventContract, fieldChecker } from './event-validation';
import { dateTime, jsonObject, oneOf, optional, text, uuid } from './field-rules';

/**
 * Someone wrote to one of our channels. Published by the gateway on `webhook.inbound`
 * with routing key `webhook.inbound.<channel_type>`; consumed by the inbound worker.
 */
export interface InboundMessageEvent {
  /** Deterministic: the same provider event always yields the same id. */
  event_id: string;
  channel_id: string;
  account_id: string;
  channel_type: ChannelType;
  provider_message_id: string;
  sender_address: string;
  sender_name?: string;
  message_body?: string;
  /** The provider's time of the message. */
  timestamp: string;
  media_url?: string;
  media_type?: string;
  metadata: Record<string, unknown>;
  /** When the gateway accepted the webhook. */
  received_at: string;
}

const INBOUND_MESSAGE_RULES = {
  event_id: uuid,
  channel_id: uuid,
  account_id: uuid,
  channel_type: oneOf(CHANNEL_TYPES),
  provider_message_id: text(FIELD_LIMITS.identifier, true),
  sender_address: text(FIELD_LIMITS.identifier, true),
  sender_name: optional(text(FIELD_LIMITS.identifier, false)),
  message_body: optional(text(Number.MAX_SAFE_INTEGER, false)),
  timestamp: dateTime,
  media_url: optional(text(FIELD_LIMITS.longText, false)),
  media_type: optional(text(FIELD_LIMITS.code, false)),
  metadata: jsonObject,
  received_at: dateTime,
} satisfies Record<keyof InboundMessageEvent, unknown>;

const checkInbound = fieldChecker(INBOUND_MESSAGE_RULES);

export const InboundMessageEvent: EventContract<InboundMessageEvent> = {
  name: 'InboundMessageEvent',
  problems: checkInbound,
};

import { CHANNEL_TYPES, type ChannelType } from '../channel-type';
import { FIELD_LIMITS } from '../field-limits';
import { isWatermarkStatus, STATUS_PATTERN, type StatusKind } from '../message-status';
import { type EventContract, fieldChecker } from './event-validation';
import { dateTime, isPresent, jsonObject, oneOf, optional, pattern, text, uuid } from './field-rules';

/**
 * A message we sent changed state. Published by the gateway on `message.status` with routing
 * key `message.status.<status>`; consumed by the status worker.
 *
 * Either `provider_message_id` names the message, or `recipient_address` + `watermark`
 * cover everything sent to one recipient up to a time (Messenger delivery/read watermarks).
 * With a provider id, `recipient_address` (when the provider names one) picks the recipient's
 * row among several that share the id (one email request sent to several addresses).
 */
export interface StatusUpdateEvent {
  event_id: string;
  channel_id: string;
  account_id: string;
  channel_type: ChannelType;
  provider_message_id?: string;
  status: StatusKind;
  timestamp: string;
  error_code?: string;
  error_message?: string;
  metadata: Record<string, unknown>;
  received_at: string;
  recipient_address?: string;
  watermark?: string;
}

const STATUS_UPDATE_RULES = {
  event_id: uuid,
  channel_id: uuid,
  account_id: uuid,
  channel_type: oneOf(CHANNEL_TYPES),
  provider_message_id: optional(text(FIELD_LIMITS.identifier, true)),
  status: pattern(STATUS_PATTERN),
  timestamp: dateTime,
  error_code: optional(text(FIELD_LIMITS.code, false)),
  error_message: optional(text(FIELD_LIMITS.longText, false)),
  metadata: jsonObject,
  received_at: dateTime,
  recipient_address: optional(text(FIELD_LIMITS.identifier, true)),
  watermark: optional(dateTime),
} satisfies Record<keyof StatusUpdateEvent, unknown>;

/** The event's fields in the contract's order, the order producers write them in. */
export const STATUS_UPDATE_FIELDS = Object.keys(STATUS_UPDATE_RULES) as ReadonlyArray<keyof StatusUpdateEvent>;

const checkFields = fieldChecker(STATUS_UPDATE_RULES);

/** The rules that tie fields together: what the update names, and what a watermark may say. */
function namingProblems(event: Readonly<Record<string, unknown>>): string[] {
  if (isPresent(event['provider_message_id'])) return [];
  if (!isPresent(event['watermark']) || !isPresent(event['recipient_address'])) {
    return ['provider_message_id: names no message (no provider_message_id, no watermark with recipient_address)'];
  }
  const status = event['status'];
  return typeof status === 'string' && !isWatermarkStatus(status)
    ? [`status: a watermark update must be delivered or read, not ${status}`]
    : [];
}

export const StatusUpdateEvent: EventContract<StatusUpdateEvent> = {
  name: 'StatusUpdateEvent',
  problems: (event) => {
    const problems = checkFields(event);
    return problems.length > 0 ? problems : namingProblems(event);
  },
};

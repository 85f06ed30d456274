import { CHANNEL_TYPES, STATUS_PATTERN } from '@inbound/messaging';
import type { StatusUpdate } from '../apply/status-batch.types';

// Each check is as strict as, or stricter than, the StatusUpdateEvent decorator it stands for
// (the spec checks that whatever passes here passes validateEvent too).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// Date.prototype.toISOString's own form, years 1000-9999: what the adapters publish.
const NORMALISED_TIME = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CHANNEL_TYPE_SET: ReadonlySet<unknown> = new Set(CHANNEL_TYPES);

const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digits = (text: string, from: number, to: number): number => Number(text.slice(from, to));

// The pattern fixes the form; the calendar check rejects what it lets through but no clock
// shows (2026-02-30, 24:00, second 60). Arithmetic rather than Date: this runs for every event.
const isNormalisedTime = (value: unknown): value is string => {
  if (typeof value !== 'string' || !NORMALISED_TIME.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return false;
  return digits(value, 11, 13) <= 23 && digits(value, 14, 16) <= 59 && digits(value, 17, 19) <= 59;
};
const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const isOptionalText = (value: unknown, max: number): value is string | undefined =>
  value === undefined || (typeof value === 'string' && value.length <= max);

/**
 * The common case of a status event, checked without class-transformer and class-validator,
 * which cost more CPU than the rest of the worker's work on an event together: a keyed event
 * (provider_message_id, no watermark) with normalised times, as the gateway publishes it.
 * Returns undefined for anything else, which then goes through the contract's validateEvent
 * (the authority, and the source of the reason a rejected event is dead-lettered with).
 */
export function wellFormedStatusUpdate(payload: unknown): StatusUpdate | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const event = payload as Record<string, unknown>;
  const metadata = event['metadata'];
  if (
    !isUuid(event['event_id']) ||
    !isUuid(event['channel_id']) ||
    !isUuid(event['account_id']) ||
    !CHANNEL_TYPE_SET.has(event['channel_type']) ||
    !isText(event['provider_message_id'], 512) ||
    event['watermark'] !== undefined ||
    !(event['recipient_address'] === undefined || isText(event['recipient_address'], 512)) ||
    typeof event['status'] !== 'string' ||
    !STATUS_PATTERN.test(event['status']) ||
    !isNormalisedTime(event['timestamp']) ||
    !isNormalisedTime(event['received_at']) ||
    !isOptionalText(event['error_code'], 255) ||
    !isOptionalText(event['error_message'], 4096) ||
    typeof metadata !== 'object' ||
    metadata === null ||
    Array.isArray(metadata)
  ) {
    return undefined;
  }
  const providerStatus = (metadata as Record<string, unknown>)['provider_status'];
  return {
    event_id: event['event_id'],
    channel_id: event['channel_id'],
    channel_type: event['channel_type'] as string,
    status: event['status'],
    timestamp: event['timestamp'],
    received_at: event['received_at'],
    provider_message_id: event['provider_message_id'],
    ...(event['recipient_address'] !== undefined ? { recipient_address: event['recipient_address'] as string } : {}),
    ...(event['error_code'] !== undefined ? { error_code: event['error_code'] as string } : {}),
    ...(event['error_message'] !== undefined ? { error_message: event['error_message'] as string } : {}),
    ...(typeof providerStatus === 'string' ? { provider_status: providerStatus } : {}),
  };
}

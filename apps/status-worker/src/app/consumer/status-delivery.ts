import { type EventValidationResult, StatusUpdateEvent, validateEvent } from '@inbound/messaging';
import { isWatermarkStatus, isWatermarkUpdate, type StatusUpdate } from '../apply/status-batch.types';
import { wellFormedStatusUpdate } from './status-event.fast-path';

function isValidTime(value: string | null | undefined): boolean {
  return value == null || !Number.isNaN(Date.parse(value));
}

/**
 * Decodes and validates a message body at the edge: JSON, the StatusUpdateEvent contract, and
 * what the contract's validation lets through but the rules cannot use (a time JavaScript
 * cannot read, a watermark with a status other than delivered or read). The usual event takes
 * a fast path (wellFormedStatusUpdate); the rest the contract's own validateEvent.
 */
export function decodeStatusUpdate(body: Buffer): EventValidationResult<StatusUpdate> {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  const wellFormed = wellFormedStatusUpdate(payload);
  if (wellFormed) return { ok: true, event: wellFormed };
  const validated = validateEvent(StatusUpdateEvent, payload);
  if (!validated.ok) return validated;
  const event = validated.event;
  if (!isValidTime(event.timestamp) || !isValidTime(event.watermark)) {
    return { ok: false, reason: 'invalid event: timestamp or watermark is not a readable time' };
  }
  const update = statusUpdateOf(event);
  // The contract's conditional rules let `"watermark": null` through with no provider id.
  if (isWatermarkUpdate(update) && (update.watermark === undefined || update.recipient_address === undefined)) {
    return { ok: false, reason: 'invalid event: names no message (no provider_message_id, no watermark with recipient_address)' };
  }
  if (isWatermarkUpdate(update) && !isWatermarkStatus(update.status)) {
    return { ok: false, reason: `invalid event: a watermark update must be delivered or read, not ${update.status}` };
  }
  return { ok: true, event: update };
}

/** The fields of a validated event the applier reads. */
export function statusUpdateOf(event: StatusUpdateEvent): StatusUpdate {
  const providerStatus = event.metadata['provider_status'];
  return {
    event_id: event.event_id,
    channel_id: event.channel_id,
    channel_type: event.channel_type,
    status: event.status,
    timestamp: event.timestamp,
    received_at: event.received_at,
    ...(event.error_code != null ? { error_code: event.error_code } : {}),
    ...(event.error_message != null ? { error_message: event.error_message } : {}),
    ...(typeof providerStatus === 'string' ? { provider_status: providerStatus } : {}),
    ...(event.provider_message_id != null ? { provider_message_id: event.provider_message_id } : {}),
    ...(event.recipient_address != null ? { recipient_address: event.recipient_address } : {}),
    ...(event.watermark != null ? { watermark: event.watermark } : {}),
  };
}

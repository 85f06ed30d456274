import { decodeEvent, type EventValidationResult, StatusUpdateEvent } from '@inbound/contracts';
import type { StatusUpdate } from '../apply/status-batch.types';

/** Decodes and validates a message body at the edge, and keeps the fields the applier reads. */
export function decodeStatusUpdate(body: Buffer): EventValidationResult<StatusUpdate> {
  const decoded = decodeEvent(StatusUpdateEvent, body);
  return decoded.ok ? { ok: true, event: statusUpdateOf(decoded.event) } : decoded;
}

function statusUpdateOf(event: StatusUpdateEvent): StatusUpdate {
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

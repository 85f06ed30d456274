import { decodeEvent, type EventValidationResult, StatusUpdateEvent } from '@inbound/contracts';
import type { StatusUpdate } from '../apply/status-batch.types';

/** Decodes and validates a message body at the edge, and keeps the fields the applier reads. */
export function decodeStatusUpdate(body: Buffer): EventValidationResult<StatusUpdate> {
  const decoded = decodeEvent(StatusUpdateEvent, body);
  return decoded.ok ? { ok: true, event: statusUpdateOf(decoded.event) } : decoded;
}

function statusUpdateOf(event: StatusUpdateEvent): StatusUpdate {
  const update: StatusUpdate = {
    event_id: event.event_id,
    channel_id: event.channel_id,
    channel_type: event.channel_type,
    status: event.status,
    timestamp: event.timestamp,
    received_at: event.received_at,
  };
  // Assigned one by one rather than spread from temporary objects: this runs for every event of a storm.
  const providerStatus = event.metadata['provider_status'];
  if (event.error_code != null) update.error_code = event.error_code;
  if (event.error_message != null) update.error_message = event.error_message;
  if (typeof providerStatus === 'string') update.provider_status = providerStatus;
  if (event.provider_message_id != null) update.provider_message_id = event.provider_message_id;
  if (event.recipient_address != null) update.recipient_address = event.recipient_address;
  if (event.watermark != null) update.watermark = event.watermark;
  return update;
}

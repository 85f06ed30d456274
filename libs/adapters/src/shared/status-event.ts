import { FIELD_LIMITS, isEventTime, isLifecycleStatus, STATUS_PATTERN, type StatusUpdateEvent } from '@inbound/contracts';
import type { ChannelContext, ParseError, WebhookRequest } from './adapter.types';
import { deterministicEventId } from './event-id';
import { decodeJsonBody, withoutUndefined } from './payload-value';

const PROVIDER_WORD = /^[A-Za-z]+(?:[ _-][A-Za-z]+)*$/;

export interface StatusEventFields {
  /** The provider's stable identification of the event; hashed into event_id with the channel id. */
  eventKey: ReadonlyArray<string | number>;
  providerMessageId: string;
  status: string;
  /** ISO-8601 UTC. */
  timestamp: string;
  /** When one provider id covers several recipients, the status worker applies the event to this one's row only. */
  recipientAddress?: string;
  errorCode?: string;
  errorMessage?: string;
  /** Entries whose value is undefined are dropped. */
  metadata: Record<string, unknown>;
}

/** A provider event mapped to our status word, with what else it tells about the message. */
export interface MappedStatus {
  status: string;
  errorCode?: string;
  errorMessage?: string;
  /** Provider details kept in the event's metadata. */
  extras?: Record<string, unknown>;
}

export function buildStatusEvent(channel: ChannelContext, receivedAt: string, fields: StatusEventFields): StatusUpdateEvent {
  const event: StatusUpdateEvent = {
    event_id: deterministicEventId(channel.id, ...fields.eventKey),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: channel.channel_type,
    provider_message_id: fields.providerMessageId,
    status: fields.status,
    timestamp: fields.timestamp,
    metadata: withoutUndefined(fields.metadata),
    received_at: receivedAt,
  };
  const recipient = fields.recipientAddress?.trim();
  // Cut, never dropped: an update without a recipient would move every recipient's row, while a
  // cut address simply matches none.
  if (recipient) event.recipient_address = recipient.slice(0, FIELD_LIMITS.identifier);
  if (fields.errorCode !== undefined && fields.errorCode.length > 0) {
    event.error_code = fields.errorCode.slice(0, FIELD_LIMITS.code);
  }
  if (fields.errorMessage !== undefined && fields.errorMessage.length > 0) {
    event.error_message = fields.errorMessage.slice(0, FIELD_LIMITS.longText);
  }
  return event;
}

/** A longer id could never match the one the sender stored, and would fail the event's validation. */
export function usableMessageId(id: string | undefined): string | undefined {
  return id !== undefined && id.length > 0 && id.length <= FIELD_LIMITS.identifier ? id : undefined;
}

/** A provider's unmapped event name as an informational word (`Rendering Failure` → `rendering_failure`); undefined when
 * it holds odd characters, is too long or would be a lifecycle status: an unknown event must never move state. */
export function informationalStatusFrom(providerWord: string): string | undefined {
  if (!PROVIDER_WORD.test(providerWord)) return undefined;
  const word = providerWord
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[ _-]+/g, '_');
  return STATUS_PATTERN.test(word) && !isLifecycleStatus(word) ? word : undefined;
}

function normalised(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  // Years outside 0001-9999 come out in a form the events refuse (±YYYYYY, or year 0).
  return isEventTime(iso) ? iso : undefined;
}

/** `2026-02-13T18:19:43.9070259-05:00` → `2026-02-13T23:19:43.907Z`; undefined for anything else. */
export function isoFromProviderTime(text: string | undefined): string | undefined {
  if (!isEventTime(text)) return undefined;
  return normalised(new Date(text));
}

/** `receivedAt` as ISO, or undefined for an invalid Date (parse reports it instead of throwing). */
export function isoFromDate(date: Date): string | undefined {
  return date instanceof Date ? normalised(date) : undefined;
}

/** The receipt time as ISO and the decoded body; a body that is not JSON is the `invalid_json` parse error. */
export function readJsonStatusCall(
  request: WebhookRequest,
  receivedAt: Date,
): { ok: true; received: string; value: unknown } | { ok: false; error: ParseError } {
  const received = isoFromDate(receivedAt);
  if (!received) return { ok: false, error: { kind: 'invalid_payload', detail: 'receivedAt is not a valid date' } };
  const body = decodeJsonBody(request.rawBody);
  return body.ok ? { ok: true, received, value: body.value } : body;
}

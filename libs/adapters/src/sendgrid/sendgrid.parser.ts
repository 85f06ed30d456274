import type { StatusUpdateEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject, type JsonObject, readBoolean, readNumber, readString, readStringArray, readText } from '../shared/json-reader';
import { epochToIso } from '../shared/payload-value';
import { countSkipped, eventsWithSkipped, type SkippedTally } from '../shared/skipped-items';
import { buildStatusEvent, type MappedStatus, informationalStatusFrom, usableMessageId, readJsonStatusCall } from '../shared/status-event';
import type { SendGridEvent } from './sendgrid.types';

/** Events naming no message and unreadable elements are left out (counted): SendGrid resends a refused batch for 24 h, then drops it all. */
export function parseSendGridWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const body = readJsonStatusCall(request, receivedAt);
  if (!body.ok) return body;
  const { received } = body;
  if (!Array.isArray(body.value)) return { ok: false, error: { kind: 'invalid_payload', detail: 'body is not an array of events' } };

  const elements: readonly unknown[] = body.value;
  const statuses: StatusUpdateEvent[] = [];
  const skipped: SkippedTally = {};
  for (const element of elements) {
    const event = decodeSendGridEvent(element);
    if (!event) {
      countSkipped(skipped, 'unreadable_item');
      continue;
    }
    const status = toStatusEvent(event, channel, received);
    if (status) statuses.push(status);
  }
  return { ok: true, events: eventsWithSkipped({ inbound: [], statuses }, skipped) };
}

function toStatusEvent(event: SendGridEvent, channel: ChannelContext, received: string): StatusUpdateEvent | undefined {
  const mapped = sendGridStatusOf(event);
  const messageId = usableMessageId(xMessageIdOf(event));
  if (!mapped || !messageId) return undefined;
  return buildStatusEvent(channel, received, {
    // sg_event_id is unique per event; without it, what the event says identifies it.
    eventKey: event.sg_event_id
      ? [event.sg_event_id]
      : [event.event, event.sg_message_id ?? messageId, event.email ?? '', event.timestamp ?? ''],
    providerMessageId: messageId,
    recipientAddress: event.email,
    status: mapped.status,
    timestamp: epochToIso(event.timestamp, 'seconds') ?? received,
    errorCode: mapped.errorCode,
    errorMessage: mapped.errorMessage,
    metadata: {
      recipient: event.email,
      provider_event_id: event.sg_event_id,
      provider_status: event.event,
      sg_message_id: event.sg_message_id,
      category: event.category,
      ...mapped.extras,
    },
  });
}

function sendGridStatusOf(event: SendGridEvent): MappedStatus | undefined {
  switch (event.event) {
    case 'processed':
      return { status: 'queued' };
    case 'deferred':
      return { status: 'deferred', errorMessage: event.response, extras: { attempt: event.attempt } };
    case 'delivered':
      return { status: 'delivered', extras: { response: event.response } };
    case 'open':
      return { status: 'read', extras: { sg_machine_open: event.sg_machine_open } };
    case 'click':
      return { status: 'clicked', extras: { url: event.url } };
    case 'bounce':
      return {
        status: 'failed',
        errorCode: event.status,
        errorMessage: event.reason,
        extras: { bounce_type: event.type, bounce_classification: event.bounce_classification },
      };
    case 'dropped':
      return { status: 'failed', errorCode: event.status, errorMessage: event.reason };
    case 'spamreport':
      return { status: 'complained' };
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { status: 'unsubscribed', extras: { asm_group_id: event.asm_group_id } };
    case 'group_resubscribe':
      return { status: 'resubscribed', extras: { asm_group_id: event.asm_group_id } };
    default: {
      // A newer SendGrid event: recorded under its own name, never as a lifecycle move.
      const word = informationalStatusFrom(event.event);
      return word ? { status: word } : undefined;
    }
  }
}

/** `sg_message_id` up to its first dot, else the local part of `smtp-id` up to its first dot (the same value). */
function xMessageIdOf(event: SendGridEvent): string | undefined {
  if (event.sg_message_id) return event.sg_message_id.split('.')[0] || undefined;
  const smtpId = event['smtp-id']?.match(/^<?([^@>]+)@/)?.[1];
  return smtpId?.split('.')[0] || undefined;
}

function decodeSendGridEvent(value: unknown): SendGridEvent | undefined {
  if (!isJsonObject(value)) return undefined;
  const event = readString(value, 'event');
  if (!event) return undefined;
  return {
    event,
    email: readString(value, 'email'),
    timestamp: readNumber(value, 'timestamp'),
    sg_event_id: readString(value, 'sg_event_id'),
    sg_message_id: readString(value, 'sg_message_id'),
    'smtp-id': readString(value, 'smtp-id'),
    category: readCategory(value),
    reason: readString(value, 'reason'),
    status: readText(value, 'status'),
    response: readString(value, 'response'),
    attempt: readText(value, 'attempt'),
    type: readString(value, 'type'),
    bounce_classification: readString(value, 'bounce_classification'),
    url: readString(value, 'url'),
    sg_machine_open: readBoolean(value, 'sg_machine_open'),
    asm_group_id: readNumber(value, 'asm_group_id'),
  };
}

/** `category` is a string or an array of strings, as the sender set it. */
function readCategory(value: JsonObject): string | string[] | undefined {
  return readString(value, 'category') ?? readStringArray(value, 'category');
}

import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject, type JsonObject, readNumber, readObject, readString, readStringArray, readText } from '../shared/json-reader';
import { epochToIso } from '../shared/payload-value';
import { buildStatusEvent, type MappedStatus, informationalStatusFrom, usableMessageId, readJsonStatusCall } from '../shared/status-event';
import type { MailgunDeliveryStatus, MailgunEventData } from './mailgun.types';

/** At most one status event; events naming no message (mailing lists, `stored` mail) give none. */
export function parseMailgunWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const body = readJsonStatusCall(request, receivedAt);
  if (!body.ok) return body;
  const { received } = body;
  const eventData = isJsonObject(body.value) ? decodeEventData(readObject(body.value, 'event-data')) : undefined;
  if (!eventData) return { ok: false, error: { kind: 'invalid_payload', detail: 'no Mailgun event-data' } };

  const mapped = mailgunStatusOf(eventData);
  const messageId = usableMessageId(withoutAngleBrackets(eventData.message?.headers?.['message-id']));
  if (!mapped || !messageId) return { ok: true, events: { inbound: [], statuses: [] } };

  const status = buildStatusEvent(channel, received, {
    // event-data.id is unique per event; without it, what the event says identifies it.
    eventKey: eventData.id ? [eventData.id] : [eventData.event, messageId, eventData.recipient ?? '', eventData.timestamp ?? ''],
    providerMessageId: messageId,
    recipientAddress: eventData.recipient,
    status: mapped.status,
    timestamp: epochToIso(eventData.timestamp, 'seconds') ?? received,
    errorCode: mapped.errorCode,
    errorMessage: mapped.errorMessage,
    metadata: {
      recipient: eventData.recipient,
      provider_event_id: eventData.id,
      provider_status: eventData.event,
      tags: eventData.tags && eventData.tags.length > 0 ? eventData.tags : undefined,
      ...mapped.extras,
    },
  });
  return { ok: true, events: { inbound: [], statuses: [status] } };
}

function mailgunStatusOf(event: MailgunEventData): MappedStatus | undefined {
  switch (event.event) {
    case 'accepted':
      return { status: 'queued' };
    case 'delivered':
      return { status: 'delivered' };
    case 'failed': {
      const delivery = event['delivery-status'];
      return {
        // Temporary failures are retried by Mailgun; only a permanent one ends the message.
        status: event.severity === 'temporary' ? 'deferred' : 'failed',
        errorCode: errorCodeOf(delivery),
        errorMessage: delivery?.message ?? delivery?.description ?? event.reason,
        extras: {
          severity: event.severity,
          reason: event.reason,
          bounce_type: delivery?.['bounce-type'],
          retry_seconds: delivery?.['retry-seconds'],
        },
      };
    }
    case 'rejected':
      return {
        status: 'failed',
        errorMessage: event.reject?.description ?? event.reject?.reason,
        extras: { reason: event.reject?.reason },
      };
    case 'opened':
      return { status: 'read' };
    case 'clicked':
      return { status: 'clicked', extras: { url: event.url } };
    case 'complained':
      return { status: 'complained' };
    case 'unsubscribed':
      return { status: 'unsubscribed' };
    case 'stored':
      return undefined; // inbound mail kept for retrieval, not news about one we sent
    default: {
      // A newer Mailgun event: recorded under its own name, never as a lifecycle move.
      const word = informationalStatusFrom(event.event);
      return word ? { status: word } : undefined;
    }
  }
}

/** The enhanced status code (`5.5.0`) when Mailgun has one, else the SMTP reply code (`550`). */
function errorCodeOf(delivery: MailgunDeliveryStatus | undefined): string | undefined {
  return delivery?.['enhanced-code'] ?? delivery?.code;
}

/** Mailgun documents the id without brackets; older payloads carried `<…>`. */
function withoutAngleBrackets(messageId: string | undefined): string | undefined {
  return messageId?.trim().replace(/^<(.*)>$/, '$1');
}

function decodeEventData(value: JsonObject | undefined): MailgunEventData | undefined {
  if (!value) return undefined;
  const event = readString(value, 'event');
  if (!event) return undefined;
  const delivery = readObject(value, 'delivery-status');
  const reject = readObject(value, 'reject');
  const headers = readObject(readObject(value, 'message') ?? {}, 'headers');
  return {
    event,
    id: readString(value, 'id'),
    timestamp: readNumber(value, 'timestamp'),
    recipient: readString(value, 'recipient'),
    severity: readString(value, 'severity'),
    reason: readString(value, 'reason'),
    'delivery-status': delivery && {
      code: readText(delivery, 'code'),
      message: readString(delivery, 'message'),
      description: readString(delivery, 'description'),
      'enhanced-code': readString(delivery, 'enhanced-code'),
      'bounce-type': readString(delivery, 'bounce-type'),
      'retry-seconds': readNumber(delivery, 'retry-seconds'),
      'attempt-no': readNumber(delivery, 'attempt-no'),
    },
    reject: reject && { reason: readString(reject, 'reason'), description: readString(reject, 'description') },
    message: { headers: { 'message-id': headers && readString(headers, 'message-id') } },
    url: readString(value, 'url'),
    tags: readStringArray(value, 'tags'),
  };
}

import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject, type JsonObject, readObject, readString, readStringArray } from '../shared/json-reader';
import {
  buildStatusEvent,
  type MappedStatus,
  informationalStatusFrom,
  isoFromProviderTime,
  usableMessageId,
  readJsonStatusCall,
} from '../shared/status-event';
import { readResendSignatureHeaders } from './resend.signature';
import type { ResendEmailEventData, ResendWebhookEvent } from './resend.types';

const EMAIL_EVENT_PREFIX = 'email.';

/** At most one status event; events about no sent email (`contact.*`, `domain.*`, …) give none. */
export function parseResendWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const body = readJsonStatusCall(request, receivedAt);
  if (!body.ok) return body;
  const { received } = body;
  const event = decodeResendEvent(body.value);
  if (!event) return { ok: false, error: { kind: 'invalid_payload', detail: 'not a Resend webhook event' } };

  const mapped = resendStatusOf(event);
  const messageId = usableMessageId(event.data.email_id);
  if (!mapped || !messageId) return { ok: true, events: { inbound: [], statuses: [] } };

  // The Svix message id is the same on every retry of one event; without it (signatures
  // switched off in development) the email id, type and event time identify the event.
  const svixId = readResendSignatureHeaders(request.headers)?.id;
  const eventKey = svixId ? [svixId, event.type] : [messageId, event.type, event.created_at ?? ''];

  // Resend names every address of the email, not which one the event is about: the event
  // applies to each of them (one event per recipient, so each recipient's row moves once).
  const recipients = [...new Set(event.data.to)];
  const statuses = (recipients.length > 0 ? recipients : [undefined]).map((recipient) =>
    buildStatusEvent(channel, received, {
      eventKey: recipients.length > 1 ? [...eventKey, recipient ?? ''] : eventKey,
      providerMessageId: messageId,
      recipientAddress: recipient,
      status: mapped.status,
      timestamp: isoFromProviderTime(event.created_at) ?? received,
      errorCode: mapped.errorCode,
      errorMessage: mapped.errorMessage,
      metadata: {
        recipient,
        recipients: recipients.length > 1 ? recipients : undefined,
        provider_event_id: svixId,
        provider_status: event.type,
        broadcast_id: event.data.broadcast_id,
        ...mapped.extras,
      },
    }),
  );
  return { ok: true, events: { inbound: [], statuses } };
}

function resendStatusOf(event: ResendWebhookEvent): MappedStatus | undefined {
  const { data } = event;
  switch (event.type) {
    case 'email.scheduled':
      return { status: 'queued' };
    case 'email.sent':
      return { status: 'sent' };
    case 'email.delivered':
      return { status: 'delivered' };
    case 'email.delivery_delayed':
      return { status: 'deferred' };
    case 'email.bounced':
      return {
        status: 'failed',
        errorCode: [data.bounce?.type, data.bounce?.subType].filter(Boolean).join('/'),
        errorMessage: data.bounce?.message,
        extras: { bounce_type: data.bounce?.type, bounce_sub_type: data.bounce?.subType },
      };
    case 'email.failed':
      return { status: 'failed', errorMessage: data.failed?.reason };
    case 'email.suppressed':
      return { status: 'failed', errorCode: data.suppressed?.type, errorMessage: data.suppressed?.message };
    case 'email.complained':
      return { status: 'complained' };
    case 'email.opened':
      return { status: 'read' };
    case 'email.clicked':
      return { status: 'clicked', extras: { link: data.click?.link } };
    case 'email.received':
      return undefined; // an inbound email, not news about one we sent
    default: {
      // A newer email event: recorded under its own name, never as a lifecycle move.
      if (!event.type.startsWith(EMAIL_EVENT_PREFIX)) return undefined;
      const word = informationalStatusFrom(event.type.slice(EMAIL_EVENT_PREFIX.length));
      return word ? { status: word } : undefined;
    }
  }
}

function decodeResendEvent(value: unknown): ResendWebhookEvent | undefined {
  if (!isJsonObject(value)) return undefined;
  const type = readString(value, 'type');
  const data = readObject(value, 'data');
  if (!type || !data) return undefined;
  return { type, created_at: readString(value, 'created_at'), data: decodeEmailData(data) };
}

function decodeEmailData(data: JsonObject): ResendEmailEventData {
  const bounce = readObject(data, 'bounce');
  const click = readObject(data, 'click');
  const failed = readObject(data, 'failed');
  const suppressed = readObject(data, 'suppressed');
  return {
    email_id: readString(data, 'email_id'),
    created_at: readString(data, 'created_at'),
    broadcast_id: readString(data, 'broadcast_id'),
    message_id: readString(data, 'message_id'),
    from: readString(data, 'from'),
    to: readStringArray(data, 'to') ?? [],
    subject: readString(data, 'subject'),
    bounce: bounce && {
      message: readString(bounce, 'message'),
      subType: readString(bounce, 'subType'),
      type: readString(bounce, 'type'),
    },
    click: click && {
      ipAddress: readString(click, 'ipAddress'),
      link: readString(click, 'link'),
      timestamp: readString(click, 'timestamp'),
      userAgent: readString(click, 'userAgent'),
    },
    failed: failed && { reason: readString(failed, 'reason') },
    suppressed: suppressed && { message: readString(suppressed, 'message'), type: readString(suppressed, 'type') },
  };
}

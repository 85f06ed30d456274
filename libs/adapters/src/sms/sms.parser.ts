import { FIELD_LIMITS, type InboundMessageEvent, type StatusUpdateEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import { headerValue } from '../shared/header';
import { isJsonObject } from '../shared/json-reader';
import { decodeJsonBody, identifierValue, statusWord, truncate, withoutUndefined } from '../shared/payload-value';
import type { TwilioParamName } from './sms.types';

/** First value of each parameter; Twilio sends each once. */
type TwilioParams = ReadonlyMap<string, string>;

type ParamsResult = { ok: true; params: TwilioParams } | Extract<ParseResult, { ok: false }>;

// Twilio MMS carries at most 10 media; the bound only protects against absurd NumMedia values.
const MEDIA_LIMIT = 50;

/** Parameters copied into inbound metadata, under snake_case names. */
const INBOUND_DETAILS: ReadonlyArray<readonly [TwilioParamName, string]> = [
  ['To', 'to'],
  ['AccountSid', 'account_sid'],
  ['MessagingServiceSid', 'messaging_service_sid'],
  ['NumSegments', 'num_segments'],
  ['FromCity', 'from_city'],
  ['FromState', 'from_state'],
  ['FromZip', 'from_zip'],
  ['FromCountry', 'from_country'],
  ['ToCity', 'to_city'],
  ['ToState', 'to_state'],
  ['ToZip', 'to_zip'],
  ['ToCountry', 'to_country'],
  ['WaId', 'wa_id'],
  ['ButtonPayload', 'button_payload'],
  ['ButtonText', 'button_text'],
  ['Latitude', 'latitude'],
  ['Longitude', 'longitude'],
  ['Address', 'address'],
  ['Label', 'label'],
  ['OriginalRepliedMessageSid', 'reply_to_message_id'],
];

const STATUS_DETAILS: ReadonlyArray<readonly [TwilioParamName, string]> = [
  ['To', 'to'],
  ['From', 'from'],
  ['AccountSid', 'account_sid'],
  ['MessagingServiceSid', 'messaging_service_sid'],
  ['RawDlrDoneDate', 'raw_dlr_done_date'],
  ['ChannelStatusMessage', 'channel_status_message'],
  ['EventType', 'event_type'],
];

function param(params: TwilioParams, name: TwilioParamName): string | undefined {
  const value = params.get(name);
  return value === '' ? undefined : value;
}

function details(params: TwilioParams, names: ReadonlyArray<readonly [TwilioParamName, string]>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [name, key] of names) {
    const value = param(params, name);
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

/** Twilio posts forms; JSON bodies (signed through bodySHA256) are objects of scalars. */
function readParams(request: WebhookRequest): ParamsResult {
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  const params = new Map<string, string>();
  if (!/json/i.test(contentType)) {
    for (const [name, value] of new URLSearchParams(request.rawBody.toString('utf8'))) {
      if (!params.has(name)) params.set(name, value);
    }
    return { ok: true, params };
  }
  const decoded = decodeJsonBody(request.rawBody);
  if (!decoded.ok) return decoded;
  if (!isJsonObject(decoded.value)) return { ok: false, error: { kind: 'invalid_payload', detail: 'body is not a JSON object' } };
  for (const [name, value] of Object.entries(decoded.value)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
  }
  return { ok: true, params };
}

/** Twilio's words onto our lifecycle; anything unknown stays informational. */
function twilioEventStatus(providerStatus: string): string {
  switch (providerStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued';
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
      return providerStatus;
    case 'undelivered':
    case 'canceled':
      return 'failed';
    default:
      return statusWord(providerStatus);
  }
}

function mediaItems(params: TwilioParams): Array<{ url: string; content_type?: string }> {
  const declared = Number.parseInt(params.get('NumMedia') ?? '0', 10);
  const count = Number.isFinite(declared) ? Math.min(Math.max(declared, 0), MEDIA_LIMIT) : 0;
  const media: Array<{ url: string; content_type?: string }> = [];
  for (let index = 0; index < count; index += 1) {
    const url = param(params, `MediaUrl${index}`);
    if (url !== undefined) media.push(withoutUndefined({ url, content_type: param(params, `MediaContentType${index}`) }));
  }
  return media;
}

function inboundEvent(params: TwilioParams, sid: string, channel: ChannelContext, receivedAt: string): ParseResult {
  const from = identifierValue(param(params, 'From'));
  if (from === undefined) return { ok: false, error: { kind: 'invalid_payload', detail: 'From is missing' } };
  const media = mediaItems(params);
  const first = media[0];
  const event: InboundMessageEvent = withoutUndefined({
    event_id: deterministicEventId(channel.id, 'sms', 'message', sid),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: 'sms',
    provider_message_id: sid,
    sender_address: from,
    // Set for WhatsApp senders reached through Twilio.
    sender_name: truncate(param(params, 'ProfileName'), FIELD_LIMITS.identifier),
    message_body: param(params, 'Body'),
    // Twilio sends no time with a message; it calls as the message arrives.
    timestamp: receivedAt,
    media_url: first !== undefined && first.url.length <= FIELD_LIMITS.longText ? first.url : undefined,
    media_type: truncate(first?.content_type, FIELD_LIMITS.code),
    metadata: withoutUndefined({
      ...details(params, INBOUND_DETAILS),
      media: media.length > 0 ? media : undefined,
    }),
    received_at: receivedAt,
  });
  return { ok: true, events: { inbound: [event], statuses: [] } };
}

function statusEvent(params: TwilioParams, sid: string, providerStatus: string, channel: ChannelContext, receivedAt: string): ParseResult {
  const event: StatusUpdateEvent = withoutUndefined({
    event_id: deterministicEventId(channel.id, 'sms', 'status', sid, providerStatus),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: 'sms',
    provider_message_id: sid,
    status: twilioEventStatus(providerStatus),
    // Status callbacks carry no event time either (RawDlrDoneDate has no documented zone).
    timestamp: receivedAt,
    error_code: truncate(param(params, 'ErrorCode'), FIELD_LIMITS.code),
    error_message: truncate(param(params, 'ErrorMessage'), FIELD_LIMITS.longText),
    metadata: { provider_status: providerStatus, ...details(params, STATUS_DETAILS) },
    received_at: receivedAt,
  });
  return { ok: true, events: { inbound: [], statuses: [event] } };
}

/** An incoming message (`SmsStatus=received`, or no MessageStatus) or a status callback (MessageStatus set). */
export function parseTwilioWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const read = readParams(request);
  if (!read.ok) return read;
  const { params } = read;
  const sid = identifierValue(param(params, 'MessageSid') ?? param(params, 'SmsSid') ?? param(params, 'SmsMessageSid'));
  if (sid === undefined) return { ok: false, error: { kind: 'invalid_payload', detail: 'MessageSid is missing' } };
  const receivedAtIso = receivedAt.toISOString();
  const messageStatus = param(params, 'MessageStatus')?.toLowerCase();
  const smsStatus = param(params, 'SmsStatus')?.toLowerCase();
  const isIncoming = messageStatus === undefined || messageStatus === 'received' || smsStatus === 'received';
  return isIncoming ? inboundEvent(params, sid, channel, receivedAtIso) : statusEvent(params, sid, messageStatus, channel, receivedAtIso);
}

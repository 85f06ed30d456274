import { FIELD_LIMITS, type InboundMessageEvent } from '@inbound/contracts';
import type { ChannelContext, ConnectionReport, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import {
  asUnchecked,
  epochToIso,
  identifierValue,
  statusWord,
  stringValue,
  truncate,
  withoutUndefined,
  type Unchecked,
} from '../shared/payload-value';
import { buildStatusEvent, isoFromProviderTime, readJsonStatusCall } from '../shared/status-event';
import {
  BRIDGE_EVENT_TYPES,
  type BridgeCall,
  type BridgeConnectionStatus,
  type BridgeEventType,
  type BridgeMessageOutcome,
  type BridgeMessageReceived,
} from './bridge.types';

type Failure = Extract<ParseResult, { ok: false }>;

const invalid = (detail: string): Failure => ({ ok: false, error: { kind: 'invalid_payload', detail } });

/** Unix times below this are seconds, above it milliseconds (10^11 s is the year 5138; 10^11 ms is 1973). */
const MILLISECONDS_FROM = 1e11;
const EPOCH_TEXT = /^\d{1,16}(\.\d+)?$/;

/** ISO-8601 (any offset) or Unix seconds/milliseconds, as a number or digits; undefined when unreadable. */
export function bridgeTime(value: unknown): string | undefined {
  const amount = typeof value === 'string' && EPOCH_TEXT.test(value) ? Number(value) : value;
  if (typeof amount === 'number') return epochToIso(amount, amount >= MILLISECONDS_FROM ? 'milliseconds' : 'seconds');
  return isoFromProviderTime(stringValue(amount));
}

function messageReceived(
  data: Unchecked<BridgeMessageReceived>,
  callTime: string | undefined,
  channel: ChannelContext,
  received: string,
): ParseResult {
  const messageId = identifierValue(data.message_id);
  const from = identifierValue(data.from_number);
  const to = identifierValue(data.to_number);
  if (messageId === undefined) return invalid('data.message_id is missing');
  if (from === undefined) return invalid('data.from_number is missing');
  if (to === undefined) return invalid('data.to_number is missing');
  const mediaUrl = stringValue(data.media_url);
  const event: InboundMessageEvent = withoutUndefined({
    event_id: deterministicEventId(channel.id, 'bridge', 'message', messageId),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: channel.channel_type,
    provider_message_id: messageId,
    sender_address: from,
    message_body: stringValue(data.text),
    timestamp: bridgeTime(data.timestamp) ?? callTime ?? received,
    media_url: mediaUrl !== undefined && mediaUrl !== '' && mediaUrl.length <= FIELD_LIMITS.longText ? mediaUrl : undefined,
    media_type: truncate(stringValue(data.media_type) || undefined, FIELD_LIMITS.code),
    metadata: { to_number: to },
    received_at: received,
  });
  return { ok: true, events: { inbound: [event], statuses: [] } };
}

function errorParts(error: unknown): { code?: string; message?: string } {
  if (typeof error === 'string') return { message: error };
  const object = asUnchecked<{ code: unknown; message: unknown }>(error);
  if (!object) return {};
  const code = typeof object.code === 'number' && Number.isFinite(object.code) ? String(object.code) : stringValue(object.code);
  return { code, message: stringValue(object.message) };
}

function messageOutcome(
  eventType: 'message.sent' | 'message.failed',
  data: Unchecked<BridgeMessageOutcome>,
  callTime: string | undefined,
  channel: ChannelContext,
  received: string,
): ParseResult {
  const messageId = identifierValue(data.message_id);
  if (messageId === undefined) return invalid('data.message_id is missing');
  const status = eventType === 'message.sent' ? 'sent' : 'failed';
  const providerStatus = stringValue(data.status) || eventType;
  const error = status === 'failed' ? errorParts(data.error) : {};
  const event = buildStatusEvent(channel, received, {
    eventKey: ['bridge', 'status', messageId, status],
    providerMessageId: messageId,
    status,
    timestamp: callTime ?? received,
    errorCode: error.code,
    errorMessage: error.message,
    metadata: { provider_status: truncate(providerStatus, FIELD_LIMITS.code) },
  });
  return { ok: true, events: { inbound: [], statuses: [event] } };
}

function connectionStatus(data: Unchecked<BridgeConnectionStatus>, callTime: string | undefined): ParseResult {
  const raw = stringValue(data.status);
  const sessionId = identifierValue(data.session_id);
  if (raw === undefined || raw.trim() === '') return invalid('data.status is missing');
  if (sessionId === undefined) return invalid('data.session_id is missing');
  // Reports are ordered by their time: one without a readable time could overwrite a newer state.
  if (callTime === undefined) return invalid('timestamp is missing or unreadable');
  const report: ConnectionReport = { status: statusWord(raw.trim()), session_id: sessionId, reported_at: callTime };
  return { ok: true, events: { inbound: [], statuses: [], connections: [report] } };
}

/** One event per call; an event type this route does not take is accepted and counted, never refused (the bridge would retry it). */
export function parseBridgeCall(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const call = readJsonStatusCall(request, receivedAt);
  if (!call.ok) return call;
  const body = asUnchecked<BridgeCall>(call.value);
  if (!body) return invalid('body is not a JSON object');
  const eventType = stringValue(body.event_type);
  if (eventType === undefined || eventType === '') return invalid('event_type is missing');
  if (!(BRIDGE_EVENT_TYPES as readonly string[]).includes(eventType)) {
    return { ok: true, events: { inbound: [], statuses: [], skipped: { unknown_event_type: 1 } } };
  }
  const data = asUnchecked<Record<string, unknown>>(body.data);
  if (!data) return invalid('data is not a JSON object');
  const callTime = bridgeTime(body.timestamp);
  switch (eventType as BridgeEventType) {
    case 'message.received':
      return messageReceived(data as Unchecked<BridgeMessageReceived>, callTime, channel, call.received);
    case 'message.sent':
    case 'message.failed':
      return messageOutcome(
        eventType as 'message.sent' | 'message.failed',
        data as Unchecked<BridgeMessageOutcome>,
        callTime,
        channel,
        call.received,
      );
    case 'connection.status':
      return connectionStatus(data as Unchecked<BridgeConnectionStatus>, callTime);
  }
}

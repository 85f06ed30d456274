import { FIELD_LIMITS, type InboundMessageEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, SkipReason, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import {
  asUnchecked,
  booleanValue,
  identifierValue,
  stringValue,
  truncate,
  withoutUndefined,
  type Unchecked,
} from '../shared/payload-value';
import { buildStatusEvent, isoFromProviderTime, readJsonStatusCall } from '../shared/status-event';
import {
  UNIPILE_HANDLED_EVENTS,
  type UnipileAccountInfo,
  type UnipileAttendee,
  type UnipileHandledEvent,
  type UnipileMessagingCall,
} from './unipile.types';

type Failure = Extract<ParseResult, { ok: false }>;

const invalid = (detail: string): Failure => ({ ok: false, error: { kind: 'invalid_payload', detail } });

/** Accepted and counted, never refused: Unipile retries what is not answered 200. */
const skipped = (reason: SkipReason): ParseResult => ({ ok: true, events: { inbound: [], statuses: [], skipped: { [reason]: 1 } } });

/**
 * Whether the connected account sent the message: `is_sender` when Unipile includes it, else the sender's
 * provider id against `account_info.user_id`; undefined when the call says neither.
 */
function sentByAccount(call: Unchecked<UnipileMessagingCall>, senderId: string | undefined): boolean | undefined {
  const isSender = booleanValue(call.is_sender);
  if (isSender !== undefined) return isSender;
  const userId = identifierValue(asUnchecked<UnipileAccountInfo>(call.account_info)?.user_id);
  return userId === undefined || senderId === undefined ? undefined : userId === senderId;
}

function messageReceived(
  call: Unchecked<UnipileMessagingCall>,
  messageId: string,
  sender: Unchecked<UnipileAttendee>,
  channel: ChannelContext,
  received: string,
): ParseResult {
  const senderId = identifierValue(sender.attendee_provider_id);
  if (senderId === undefined) return invalid('sender.attendee_provider_id is missing');
  const event: InboundMessageEvent = withoutUndefined({
    event_id: deterministicEventId(channel.id, 'unipile', 'message', messageId),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: channel.channel_type,
    provider_message_id: messageId,
    sender_address: senderId,
    sender_name: truncate(stringValue(sender.attendee_name) || undefined, FIELD_LIMITS.identifier),
    message_body: stringValue(call.message),
    timestamp: isoFromProviderTime(stringValue(call.timestamp)) ?? received,
    metadata: withoutUndefined({
      chat_id: identifierValue(call.chat_id),
      unipile_account_id: identifierValue(call.account_id),
      account_type: truncate(stringValue(call.account_type), FIELD_LIMITS.code),
    }),
    received_at: received,
  });
  return { ok: true, events: { inbound: [event], statuses: [] } };
}

function messageRead(call: Unchecked<UnipileMessagingCall>, messageId: string, channel: ChannelContext, received: string): ParseResult {
  const event = buildStatusEvent(channel, received, {
    eventKey: ['unipile', 'status', messageId, 'read'],
    providerMessageId: messageId,
    status: 'read',
    timestamp: isoFromProviderTime(stringValue(call.timestamp)) ?? received,
    metadata: { provider_status: 'message_read' },
  });
  return { ok: true, events: { inbound: [], statuses: [event] } };
}

/** One messaging event per call (docs/PROVIDERS.md, "Unipile"). */
export function parseUnipileCall(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const decoded = readJsonStatusCall(request, receivedAt);
  if (!decoded.ok) return decoded;
  const call = asUnchecked<UnipileMessagingCall>(decoded.value);
  if (!call) return invalid('body is not a JSON object');
  const event = stringValue(call.event);
  if (event === undefined || event === '') return invalid('event is missing');
  if (!(UNIPILE_HANDLED_EVENTS as readonly string[]).includes(event)) return skipped('unknown_event_type');
  const messageId = identifierValue(call.message_id);
  if (messageId === undefined) return invalid('message_id is missing');
  const sender = asUnchecked<UnipileAttendee>(call.sender);
  if (!sender) return invalid('sender is not a JSON object');
  const ours = sentByAccount(call, identifierValue(sender.attendee_provider_id));
  switch (event as UnipileHandledEvent) {
    case 'message_received':
      // Unipile also reports what the account sent from another device: not an inbound message.
      return ours === true ? skipped('own_message') : messageReceived(call, messageId, sender, channel, decoded.received);
    case 'message_read':
      // Only a message the account sent has an outbound row; a read the call cannot attribute moves nothing.
      return ours === true ? messageRead(call, messageId, channel, decoded.received) : skipped('not_own_message');
  }
}

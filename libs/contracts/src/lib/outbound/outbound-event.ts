import { isEventTime } from '../events/field-rules';
import { nameBasedUuid } from '../name-based-uuid';
import { isUuidText } from '../uuid-text';

/**
 * Events the platform sends out (subscriber webhooks, and later the realtime stream). Names
 * are contracts: subscribers filter on them.
 */
export const OUTBOUND_EVENT_TYPES = [
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'channel.connection_changed',
  'campaign.completed',
  'webhook.test',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** In a subscription's `events`: every type, today's and tomorrow's. */
export const ALL_OUTBOUND_EVENTS = '*';

export function isOutboundEventType(value: unknown): value is OutboundEventType {
  return typeof value === 'string' && (OUTBOUND_EVENT_TYPES as readonly string[]).includes(value);
}

/** The one shape every outbound event travels in. */
export interface OutboundEventEnvelope<TData extends object = Record<string, unknown>> {
  /** UUID, stable for this event: the same on every retry of every delivery of it. */
  id: string;
  type: OutboundEventType;
  /** ISO-8601 time the event happened. */
  created_at: string;
  account_id: string;
  data: TData;
}

/** The envelope's own fields are well formed; `data` is the producer's and is passed on as it is. */
export function isOutboundEnvelope(value: unknown): value is OutboundEventEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const envelope = value as Record<string, unknown>;
  const data = envelope['data'];
  return (
    isUuidText(envelope['id']) &&
    isOutboundEventType(envelope['type']) &&
    isUuidText(envelope['account_id']) &&
    typeof envelope['created_at'] === 'string' &&
    isEventTime(envelope['created_at']) &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data)
  );
}

/** The id of the event reporting that `subjectId` (a message, a campaign) reached `type`: at most one of each. */
export function outboundEventId(subjectId: string, type: OutboundEventType): string {
  return nameBasedUuid('outbound', subjectId, type);
}

/** `message.received`: an inbound message was stored for the first time. */
export interface MessageReceivedData {
  message_id: string;
  channel_id: string;
  channel_type: string;
  provider_message_id: string;
  sender_address: string;
  sender_name: string | null;
  message_body: string | null;
  media_url: string | null;
  media_type: string | null;
  contact_id: string | null;
  /** The provider's time of the message. */
  received_at: string;
}

export type MessageStatusEventType = 'message.sent' | 'message.delivered' | 'message.read' | 'message.failed';

/** `message.sent/delivered/read/failed`: an outbound message's state changed. */
export interface MessageStatusChangedData {
  message_id: string;
  channel_id: string;
  channel_type: string;
  provider_message_id: string | null;
  group_message_id: string | null;
  delivery_address: string;
  /** The word of the event: sent, delivered, read or failed. */
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** The message's status before the update that caused this event. */
  previous_status: string;
  /** The provider's time of the change. */
  occurred_at: string;
  read_at?: string;
  error?: { code: string | null; message: string | null; provider_status: string | null };
}

/** A channel's connection state as its bridge last reported it (`channels.connection`). */
export interface ChannelConnection {
  /** The bridge's word: `connected`, `disconnected`, `qr_required`, … */
  status: string;
  session_id: string;
  /** ISO-8601: the report's own time (the call's `timestamp`); an older report never replaces a newer one. */
  reported_at: string;
}

/**
 * `channel.connection_changed`: a bridge reported a connection state other than the stored one.
 * Id: `outboundEventId(<channel id>:<reported_at>, type)`, so the same report twice is one event.
 */
export interface ChannelConnectionChangedData {
  channel_id: string;
  status: string;
  /** The stored state before this report; null for the channel's first report. */
  previous_status: string | null;
  session_id: string;
  reported_at: string;
}

/** `campaign.completed`: a group message's delivered + failed counters reached its total. */
export interface CampaignCompletedData {
  group_message_id: string;
  channel_id: string;
  total_count: number;
  delivered_count: number;
  failed_count: number;
  read_count: number;
}

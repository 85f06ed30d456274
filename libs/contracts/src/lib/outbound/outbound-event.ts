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

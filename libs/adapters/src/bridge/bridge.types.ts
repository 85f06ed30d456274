/**
 * What a self-hosted WhatsApp Web bridge posts to `/webhooks/bridge/:channelId`: our own contract
 * (docs/PROVIDERS.md, "WhatsApp Web bridge"), not a vendor's. A bridge built on Baileys or another
 * WhatsApp Web library translates its events into this shape; fixtures/public/ keeps the shapes
 * three public bridges post and bridge.public-shapes.spec.ts maps each onto this one.
 */

/** The envelope of every call. `timestamp`: ISO-8601, or Unix seconds (milliseconds above 10^11). */
export interface BridgeCall {
  event_type: string;
  timestamp: string | number;
  data: unknown;
}

/** `message.received`: a message someone sent to the bridge's WhatsApp number. */
export interface BridgeMessageReceived {
  from_number: string;
  to_number: string;
  message_id: string;
  text?: string;
  media_url?: string;
  /** A MIME type or a kind word (`image`, `audio`, …); passed on as it is. */
  media_type?: string;
  timestamp: string | number;
}

/** `message.sent` / `message.failed`: a message we sent through the bridge left it, or could not. */
export interface BridgeMessageOutcome {
  message_id: string;
  /** The bridge's own word (Baileys' `SERVER_ACK`, `ERROR`, …): kept as `metadata.provider_status`. */
  status?: string;
  /** Why it failed: text, or `{code, message}`. */
  error?: string | { code?: string | number; message?: string };
}

/** `connection.status`: the bridge's WhatsApp Web session changed state. */
export interface BridgeConnectionStatus {
  /** `connected`, `disconnected`, `connecting`, `qr_required`, `logged_out`, … (lower case, `_`). */
  status: string;
  session_id: string;
}

export const BRIDGE_EVENT_TYPES = ['message.received', 'message.sent', 'message.failed', 'connection.status'] as const;
export type BridgeEventType = (typeof BRIDGE_EVENT_TYPES)[number];

/**
 * Unipile's messaging webhook and the part of its v1 API that manages webhooks: only the fields read.
 * - payload: https://developer.unipile.com/docs/new-messages-webhook (one envelope for every messaging event)
 * - webhooks: https://developer.unipile.com/reference/webhookscontroller_listwebhooks, …_createwebhook, …_deletewebhook
 * - errors: RFC 7807-like bodies `{status, type, title, detail}` (the same reference, "401 Unauthorized" and others)
 */

/** A person in a chat as the webhook names them. `attendee_provider_id`: the network's own id (a phone number, a LinkedIn id, …). */
export interface UnipileAttendee {
  attendee_id: string;
  attendee_name?: string;
  attendee_provider_id: string;
  attendee_profile_url?: string;
}

/** The connected account the event happened on (`account_info` among the webhook's data keys). */
export interface UnipileAccountInfo {
  type?: string;
  feature?: string;
  /** The connected user's own provider id: a message whose sender has it was sent by this account. */
  user_id?: string;
}

/**
 * Every messaging event (`message_received`, `message_read`, `message_reaction`, `message_edited`, `message_deleted`)
 * is this envelope: the message the event is about, its chat and sender.
 */
export interface UnipileMessagingCall {
  event: string;
  account_id: string;
  account_type?: string;
  account_info?: UnipileAccountInfo;
  chat_id?: string;
  /** ISO-8601 UTC. */
  timestamp?: string;
  webhook_name?: string;
  /** Unipile's id of the message: what sending through Unipile returns, so what the sending side stores. */
  message_id: string;
  /** The text of the message. */
  message?: string | null;
  sender: UnipileAttendee;
  /** Seen in delivered payloads though not in the documented example: whether the connected account sent the message. */
  is_sender?: boolean;
}

/** The events this route turns into our events; the others are answered 200 and counted. */
export const UNIPILE_HANDLED_EVENTS = ['message_received', 'message_read'] as const;
export type UnipileHandledEvent = (typeof UNIPILE_HANDLED_EVENTS)[number];

/** `GET /api/v1/webhooks` items. */
export interface UnipileWebhook {
  id: string;
  request_url: string;
  name?: string;
  enabled?: boolean;
  /** `json` or `form`. */
  format?: string;
  headers?: Array<{ key: string; value: string }>;
  /** The accounts the webhook is limited to, as objects `{id, name?, type}`. */
  account_ids?: Array<{ id: string }>;
}

/** `POST /api/v1/webhooks` body for messaging events. */
export interface UnipileWebhookCreation {
  request_url: string;
  source: 'messaging';
  name: string;
  format: 'json';
  headers: Array<{ key: string; value: string }>;
  account_ids?: string[];
}

/** Unipile's error answer. */
export interface UnipileError {
  status: number;
  type: string;
  title: string;
  detail?: string;
}

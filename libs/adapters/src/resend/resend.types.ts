/** Delivered through Svix; shapes as the SDK's `WebhookEvent`. https://resend.com/docs/dashboard/webhooks/event-types */

/** The three signature headers; Resend sends the `svix-` family, Standard Webhooks names the `webhook-` one. */
export interface ResendSignatureHeaders {
  id: string;
  timestamp: string;
  /** One or more space-separated `v1,<base64>` entries (several during a secret rotation). */
  signature: string;
}

export const RESEND_SIGNATURE_HEADER_FAMILIES = [
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
] as const;

/** Event types about one sent email; the others (contact.*, domain.*, …) carry no message status. */
export type ResendEmailEventType =
  | 'email.sent'
  | 'email.scheduled'
  | 'email.delivered'
  | 'email.delivery_delayed'
  | 'email.complained'
  | 'email.bounced'
  | 'email.opened'
  | 'email.clicked'
  | 'email.received'
  | 'email.failed'
  | 'email.suppressed';

export interface ResendBounce {
  message?: string;
  /** e.g. `General`, `NoEmail`, `Suppressed`. */
  subType?: string;
  /** `Permanent`, `Transient` or `Undetermined`. */
  type?: string;
}

export interface ResendClick {
  ipAddress?: string;
  link?: string;
  timestamp?: string;
  userAgent?: string;
}

export interface ResendEmailEventData {
  /** The id `emails.send` returned: our provider_message_id. */
  email_id?: string;
  created_at?: string;
  broadcast_id?: string;
  /** The RFC 5322 Message-ID header, not the id the sender stored. */
  message_id?: string;
  from?: string;
  to: string[];
  subject?: string;
  bounce?: ResendBounce;
  click?: ResendClick;
  failed?: { reason?: string };
  suppressed?: { message?: string; type?: string };
}

export interface ResendWebhookEvent {
  type: string;
  /** When the event happened (ISO-8601). */
  created_at?: string;
  data: ResendEmailEventData;
}

/**
 * The event types a Resend webhook of ours subscribes to: those the parser turns into a status
 * (resend.parser.ts; `email.received` is inbound mail, the others are not about an email).
 */
export const RESEND_SUBSCRIBED_EVENTS = [
  'email.scheduled',
  'email.sent',
  'email.delivered',
  'email.delivery_delayed',
  'email.bounced',
  'email.failed',
  'email.suppressed',
  'email.complained',
  'email.opened',
  'email.clicked',
] as const satisfies readonly ResendEmailEventType[];

/** The signing secret of the webhook the gateway created through Resend's API (server-owned; verifies ahead of `webhook_secret`). */
export const RESEND_REGISTERED_SECRET_KEY = 'registered_webhook_secret';

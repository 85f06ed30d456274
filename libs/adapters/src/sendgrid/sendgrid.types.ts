/** The body is a JSON array of events. https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event */

/** Base64 DER (ASN.1) ECDSA P-256 signature over `timestamp + raw body`. */
export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

export type SendGridDeliveryEventName = 'processed' | 'dropped' | 'delivered' | 'deferred' | 'bounce';
export type SendGridEngagementEventName = 'open' | 'click' | 'spamreport' | 'unsubscribe' | 'group_unsubscribe' | 'group_resubscribe';

export interface SendGridEvent {
  /** A delivery or engagement event name, or `account_status_change`. */
  event: string;
  email?: string;
  /** Unix seconds. */
  timestamp?: number;
  /** Unique per event: the dedupe key. */
  sg_event_id?: string;
  /** `<X-Message-Id>.<per-recipient suffix>`; absent on some asynchronous bounces. */
  sg_message_id?: string;
  /** `<local@host>`; its local part begins with the X-Message-Id too. */
  'smtp-id'?: string;
  category?: string | string[];
  reason?: string;
  /** SMTP enhanced status code, e.g. `5.0.0`. */
  status?: string;
  response?: string;
  attempt?: string;
  /** On `bounce`: `bounce` (permanent) or `blocked` (temporary). */
  type?: string;
  bounce_classification?: string;
  url?: string;
  sg_machine_open?: boolean;
  asm_group_id?: number;
}

/** The events an Event Webhook of ours is set to send: those the parser turns into a status (sendgrid.parser.ts). */
export const SENDGRID_SUBSCRIBED_EVENTS = [
  'processed',
  'deferred',
  'delivered',
  'open',
  'click',
  'bounce',
  'dropped',
  'spamreport',
  'unsubscribe',
  'group_unsubscribe',
  'group_resubscribe',
] as const satisfies ReadonlyArray<SendGridDeliveryEventName | SendGridEngagementEventName>;

/** The public key SendGrid gave the gateway's registration when it turned signing on (server-owned; verifies ahead of `verification_key`). */
export const SENDGRID_REGISTERED_KEY = 'registered_verification_key';

/** The signature travels in the body beside the event: https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads */

export interface MailgunSignature {
  /** 50 random characters, new for every call. */
  token: string;
  /** Unix seconds, sent as a string. */
  timestamp: string;
  /** Hex HMAC-SHA256(signing key, timestamp + token). */
  signature: string;
  /** Subaccount domains only: the same HMAC keyed with the primary account's key. */
  'parent-signature'?: string;
}

export type MailgunEventName =
  'accepted' | 'rejected' | 'delivered' | 'failed' | 'opened' | 'clicked' | 'unsubscribed' | 'complained' | 'stored';

export interface MailgunDeliveryStatus {
  code?: string;
  message?: string;
  description?: string;
  'enhanced-code'?: string;
  'bounce-type'?: string;
  'retry-seconds'?: number;
  'attempt-no'?: number;
}

export interface MailgunEventData {
  event: string;
  /** Unique per event: the dedupe key. */
  id?: string;
  /** Unix seconds with a fraction. */
  timestamp?: number;
  recipient?: string;
  /** On `failed`: `permanent` or `temporary`. */
  severity?: string;
  reason?: string;
  'delivery-status'?: MailgunDeliveryStatus;
  /** On `rejected`. */
  reject?: { reason?: string; description?: string };
  message?: { headers?: { 'message-id'?: string } };
  /** On `clicked`. */
  url?: string;
  tags?: string[];
}

export interface MailgunWebhook {
  signature?: MailgunSignature;
  'event-data': MailgunEventData;
}

/**
 * The webhook types a Mailgun domain sends us: those whose events the parser turns into a
 * status (mailgun.parser.ts; `failed` arrives as `permanent_fail` or `temporary_fail`).
 */
export const MAILGUN_SUBSCRIBED_EVENTS = [
  'accepted',
  'delivered',
  'permanent_fail',
  'temporary_fail',
  'opened',
  'clicked',
  'complained',
  'unsubscribed',
] as const;

/** The account's HTTP webhook signing key as the gateway's registration read it (server-owned; verifies ahead of `signing_key`). */
export const MAILGUN_REGISTERED_KEY = 'registered_signing_key';

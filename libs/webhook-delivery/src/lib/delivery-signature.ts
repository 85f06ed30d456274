import { createHmac } from 'node:crypto';

/** Names the sender in every delivery, so customers can allow-list or log it. */
export const WEBHOOK_USER_AGENT = 'messaging-platform-webhooks/1';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface DeliverySignatureInput {
  eventId: string;
  eventType: string;
  timestampSeconds: number;
  /** The exact bytes sent: every signature is over this text. */
  body: string;
  /** `whsec_…` secrets, the current one first; a rotated-out one still valid may follow. */
  secrets: readonly string[];
}

export type DeliveryHeaders = Record<string, string>;

/**
 * The headers of one delivery: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature` with one `v1,` entry per secret, so receivers still holding the
 * rotated-out secret keep verifying) and GitHub-style `x-hub-signature(-256)` for receivers
 * that only know that scheme.
 */
export function deliveryHeaders(input: DeliverySignatureInput): DeliveryHeaders {
  const { eventId, eventType, timestampSeconds, body, secrets } = input;
  if (secrets.length === 0) throw new Error('deliveryHeaders needs at least one secret');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error('deliveryHeaders needs timestampSeconds as whole seconds since the epoch');
  }
  const signedContent = `${eventId}.${timestampSeconds}.${body}`;
  const signature = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signedContent).digest('base64')}`);
  // GitHub's scheme keys the HMAC with the secret text as the receiver stores it, prefix included.
  const hubSignature = `sha256=${createHmac('sha256', secrets[0]).update(body).digest('hex')}`;
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signature.join(' '),
    'x-hub-signature': hubSignature,
    'x-hub-signature-256': hubSignature,
    'x-event-type': eventType,
  };
}

/** The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`. */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (!BASE64.test(encoded)) throw new Error('a webhook secret must be "whsec_" followed by base64');
  return Buffer.from(encoded, 'base64');
}

import { createHmac } from 'node:crypto';

/**
 * Meta's side of the check in hub-signature.ts (WhatsApp and Messenger): `X-Hub-Signature-256`,
 * the HMAC-SHA256 of the raw body keyed with the app secret. For test traffic only; reached through
 * `@inbound/adapters/test-signers`, never from production code.
 */
export function metaSignatureHeaders(appSecret: string, body: string | Buffer): Record<string, string> {
  return { 'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}` };
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult, WebhookRequest } from './adapter.types';
import { headerValue } from './header';

export const HUB_SIGNATURE_HEADER = 'x-hub-signature-256';

const HUB_SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/i;

/** HMAC-SHA256 of the body bytes as received: Meta signs its own escaped-unicode serialisation, so re-serialised JSON fails. */
export function verifyHubSignature(request: WebhookRequest, appSecret: unknown): VerifyResult {
  const header = headerValue(request.headers, HUB_SIGNATURE_HEADER);
  if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
  if (typeof appSecret !== 'string' || appSecret === '') {
    return { ok: false, reason: 'missing_credentials', detail: 'app_secret is not set' };
  }
  const format = HUB_SIGNATURE_FORMAT.exec(header.trim());
  if (!format) return { ok: false, reason: 'bad_signature', detail: 'signature is not sha256=<64 hex digits>' };
  const expected = createHmac('sha256', appSecret).update(request.rawBody).digest();
  const received = Buffer.from(format[1], 'hex');
  return timingSafeEqual(expected, received) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

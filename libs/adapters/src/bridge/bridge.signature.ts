import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';

export const BRIDGE_SIGNATURE_HEADER = 'x-webhook-signature';

/** 64 hex digits, optionally after `sha256=`, surrounding spaces ignored. */
const SIGNATURE_FORMAT = /^(?:sha256=)?([0-9a-f]{64})$/i;

const secretOf = (credentials: ChannelCredentials, key: string): string | undefined => {
  const value = credentials?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * HMAC-SHA256 of the raw body keyed with `webhook_secret`, or during a rotation with
 * `previous_webhook_secret`. Both are compared every time, in constant time; anything unreadable refuses.
 */
export function verifyBridgeSignature(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
  const header = headerValue(request.headers, BRIDGE_SIGNATURE_HEADER);
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const current = secretOf(credentials, 'webhook_secret');
  if (current === undefined) return { ok: false, reason: 'missing_credentials', detail: 'webhook_secret is not set' };
  const format = SIGNATURE_FORMAT.exec(header.trim());
  if (!format) return { ok: false, reason: 'bad_signature', detail: 'signature is not [sha256=]<64 hex digits>' };
  const received = Buffer.from(format[1], 'hex');
  const secrets = [current, secretOf(credentials, 'previous_webhook_secret')].filter((secret): secret is string => secret !== undefined);
  let matched = false;
  for (const secret of secrets) {
    // No early exit: the time taken does not tell which secret matched.
    if (timingSafeEqual(createHmac('sha256', secret).update(request.rawBody).digest(), received)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

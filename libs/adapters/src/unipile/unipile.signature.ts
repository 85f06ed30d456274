import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';
import { isJsonObject, readString } from '../shared/json-reader';

/**
 * Unipile signs nothing: it sends the headers its webhook was created with. Ours carries the channel's
 * server-made `webhook_secret` under this name (unipile.webhook-registration.ts puts it there).
 */
export const UNIPILE_SECRET_HEADER = 'X-Unipile-Webhook-Secret';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The header must equal `webhook_secret`; both are hashed first so the comparison takes the same time whatever their lengths. */
export function verifyUnipileSecret(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
  const received = headerValue(request.headers, UNIPILE_SECRET_HEADER);
  if (received === undefined || received === '') return { ok: false, reason: 'missing_signature' };
  const secret = isJsonObject(credentials) ? readString(credentials, 'webhook_secret') : undefined;
  // Fail closed: a channel whose registration never made a secret accepts nothing.
  if (secret === undefined) return { ok: false, reason: 'missing_credentials', detail: 'webhook_secret is not set' };
  return timingSafeEqual(sha256(received), sha256(secret)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

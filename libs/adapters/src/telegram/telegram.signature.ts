import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';
import { isJsonObject, readString, type JsonObject } from '../shared/json-reader';

export const TELEGRAM_SECRET_TOKEN_HEADER = 'x-telegram-bot-api-secret-token';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The pre-rotation secret while it is still valid; undefined when absent, expired or unreadable. */
function previousSecret(credentials: JsonObject, now: Date): string | undefined {
  const secret = readString(credentials, 'previous_webhook_secret');
  const expiresAt = readString(credentials, 'previous_webhook_secret_expires_at');
  if (secret === undefined || expiresAt === undefined) return undefined;
  const expiresAtMs = Date.parse(expiresAt);
  return Number.isFinite(expiresAtMs) && expiresAtMs > now.getTime() ? secret : undefined;
}

/**
 * Telegram echoes setWebhook's `secret_token` in a header; both sides are hashed so the comparison
 * takes the same time whatever their lengths. Rotation: docs/GATEWAY.md, "Telegram secret rotation".
 */
export function verifyTelegramSecretToken(request: WebhookRequest, credentials: ChannelCredentials, now: Date): VerifyResult {
  const received = headerValue(request.headers, TELEGRAM_SECRET_TOKEN_HEADER);
  if (received === undefined || received === '') return { ok: false, reason: 'missing_signature' };
  const stored: JsonObject = isJsonObject(credentials) ? credentials : {};
  const secret = readString(stored, 'webhook_secret');
  if (secret === undefined) {
    return { ok: false, reason: 'missing_credentials', detail: 'webhook_secret is not set' };
  }
  const receivedDigest = sha256(received);
  const previous = previousSecret(stored, now);
  // Both compared before either result is used, so the time taken does not tell which matched.
  const matchesCurrent = timingSafeEqual(receivedDigest, sha256(secret));
  const matchesPrevious = previous !== undefined && timingSafeEqual(receivedDigest, sha256(previous));
  return matchesCurrent || matchesPrevious ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

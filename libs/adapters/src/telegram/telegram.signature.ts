import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';
import { isJsonObject } from '../shared/json-reader';

export const TELEGRAM_SECRET_TOKEN_HEADER = 'x-telegram-bot-api-secret-token';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Telegram signs nothing: it echoes the `secret_token` given to setWebhook in a header
 * (https://core.telegram.org/bots/api#setwebhook). The token is a bearer secret, so both
 * sides are hashed first and the comparison takes the same time whatever their lengths.
 */
export function verifyTelegramSecretToken(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
  const received = headerValue(request.headers, TELEGRAM_SECRET_TOKEN_HEADER);
  if (received === undefined || received === '') return { ok: false, reason: 'missing_signature' };
  const secret = isJsonObject(credentials) ? credentials['webhook_secret'] : undefined;
  if (typeof secret !== 'string' || secret === '') {
    return { ok: false, reason: 'missing_credentials', detail: 'webhook_secret is not set' };
  }
  return timingSafeEqual(sha256(received), sha256(secret)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

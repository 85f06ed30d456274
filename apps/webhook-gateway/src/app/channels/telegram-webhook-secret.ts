import { generateTelegramWebhookSecret } from '@inbound/adapters';
import type { Credentials } from './channel-credentials';

/**
 * How long the secret from before a rotation stays valid. Longer than the 30 s other replicas
 * cache a channel (webhooks/channel-directory.ts), so calls Telegram sent with the old secret
 * while the new one was being set are still accepted wherever they arrive.
 */
export const PREVIOUS_TELEGRAM_SECRET_LIFETIME_MS = 10 * 60_000;

/**
 * Credentials of a Telegram channel that only the server writes. The adapter reads them
 * (libs/adapters/src/telegram/telegram.signature.ts): `webhook_secret` is the secret Telegram
 * was last given, the previous one is accepted too until its expiry (an ISO 8601 time).
 */
export const TELEGRAM_SECRET_KEYS = ['webhook_secret', 'previous_webhook_secret', 'previous_webhook_secret_expires_at'] as const;

function storedSecret(credentials: Credentials): string | undefined {
  const secret = credentials.webhook_secret;
  return typeof secret === 'string' && secret !== '' ? secret : undefined;
}

/** The credentials without any webhook secret (a deactivated channel has none). */
export function withoutTelegramSecrets(credentials: Credentials): Credentials {
  const kept = { ...credentials };
  for (const key of TELEGRAM_SECRET_KEYS) delete kept[key];
  return kept;
}

/** The credentials without a previous secret that has expired, which the adapter ignores anyway. */
export function withoutExpiredPreviousSecret(credentials: Credentials, now: Date): Credentials {
  const expiresAt = credentials.previous_webhook_secret_expires_at;
  const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  if (credentials.previous_webhook_secret === undefined && expiresAt === undefined) return credentials;
  if (Number.isFinite(expiresAtMs) && expiresAtMs > now.getTime()) return credentials;
  const { previous_webhook_secret: _secret, previous_webhook_secret_expires_at: _expiresAt, ...kept } = credentials;
  return kept;
}

/**
 * The credentials to register a Telegram webhook with. The stored secret is kept, so a retry
 * of a registration tells Telegram what it already has, unless the bot token changed: a new
 * bot gets a new secret, and the one it replaces stays valid for
 * PREVIOUS_TELEGRAM_SECRET_LIFETIME_MS. Without a stored secret a fresh one is made.
 */
export function telegramRegistrationCredentials(credentials: Credentials, botTokenChanged: boolean, now: Date): Credentials {
  const current = storedSecret(credentials);
  if (current !== undefined && !botTokenChanged) return credentials;
  const fresh = generateTelegramWebhookSecret();
  if (current === undefined) return { ...credentials, webhook_secret: fresh };
  return {
    ...credentials,
    webhook_secret: fresh,
    previous_webhook_secret: current,
    previous_webhook_secret_expires_at: new Date(now.getTime() + PREVIOUS_TELEGRAM_SECRET_LIFETIME_MS).toISOString(),
  };
}

import type { Credentials } from '../shared/credential-rules';
import { generateTelegramWebhookSecret } from './telegram.bot-api';

// The secret's life: see docs/GATEWAY.md, "Telegram secret rotation" (telegram.signature.ts reads both secrets).

/** Longer than the 30 s other replicas cache a channel, so calls sent with the old secret pass anywhere. */
export const PREVIOUS_TELEGRAM_SECRET_LIFETIME_MS = 10 * 60_000;

/** Written only by the server. */
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

/** The credentials without a previous secret that has expired, which the adapter ignores anyway; the same object when there is none. */
export function withoutExpiredPreviousSecret(credentials: Credentials, now: Date): Credentials {
  const expiresAt = credentials.previous_webhook_secret_expires_at;
  const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  if (credentials.previous_webhook_secret === undefined && expiresAt === undefined) return credentials;
  if (Number.isFinite(expiresAtMs) && expiresAtMs > now.getTime()) return credentials;
  const { previous_webhook_secret: _secret, previous_webhook_secret_expires_at: _expiresAt, ...kept } = credentials;
  return kept;
}

/**
 * Keeps the stored secret (a retried registration tells Telegram what it has) unless the bot token changed;
 * makes one when there is none. The same object when nothing changes.
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

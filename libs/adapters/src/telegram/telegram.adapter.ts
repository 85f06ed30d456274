import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseTelegramUpdate } from './telegram.parser';
import { verifyTelegramSecretToken } from './telegram.signature';

/** Telegram Bot API webhooks: secret-token header, one Update per call. */
export function createTelegramAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'telegram',
    verify: (request, credentials) => verifyTelegramSecretToken(request, credentials),
    parse: (request, channel, receivedAt) => parseTelegramUpdate(request, channel, receivedAt),
  });
}

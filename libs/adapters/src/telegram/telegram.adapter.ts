import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseTelegramUpdate } from './telegram.parser';
import { verifyTelegramSecretToken } from './telegram.signature';

/** Telegram Bot API webhooks: secret-token header, one Update per call. */
export function createTelegramAdapter(deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'telegram',
    // The clock decides whether the secret from before a rotation is still accepted.
    verify: (request, credentials) => verifyTelegramSecretToken(request, credentials, deps.now()),
    parse: (request, channel, receivedAt) => parseTelegramUpdate(request, channel, receivedAt),
  });
}

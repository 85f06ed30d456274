import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseMessengerNotification } from './messenger.parser';
import { verifyMessengerSignature } from './messenger.signature';

/** Messenger Platform webhooks: X-Hub-Signature-256, batched messaging events. */
export function createMessengerAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'messenger',
    verify: (request, credentials) => verifyMessengerSignature(request, credentials),
    parse: (request, channel, receivedAt) => parseMessengerNotification(request, channel, receivedAt),
  });
}

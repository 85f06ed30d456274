import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseUnipileCall } from './unipile.parser';
import { verifyUnipileSecret } from './unipile.signature';

/** Unipile's messaging webhook: the secret header its webhook was created with, one event per call. */
export function createUnipileAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'unipile',
    verify: (request, credentials) => verifyUnipileSecret(request, credentials),
    parse: (request, channel, receivedAt) => parseUnipileCall(request, channel, receivedAt),
  });
}

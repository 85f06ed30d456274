import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parsePostmarkWebhook } from './postmark.parser';
import { PostmarkBasicAuthVerifier } from './postmark.signature';

/** Postmark webhooks for an `email` channel whose credentials name `provider: postmark`. */
export function createPostmarkAdapter(_deps: AdapterDependencies): ProviderAdapter {
  const verifier = new PostmarkBasicAuthVerifier();
  return guardedAdapter({
    provider: 'postmark',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parsePostmarkWebhook(request, channel, receivedAt),
  });
}

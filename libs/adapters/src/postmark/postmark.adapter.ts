import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { parsePostmarkWebhook } from './postmark.parser';
import { PostmarkBasicAuthVerifier } from './postmark.signature';

/** Postmark webhooks for an `email` channel whose credentials name `provider: postmark`. */
export function createPostmarkAdapter(_deps: AdapterDependencies): ProviderAdapter {
  const verifier = new PostmarkBasicAuthVerifier();
  return {
    provider: 'postmark',
    async verify(request, credentials) {
      try {
        return verifier.verify(request, credentials);
      } catch {
        // The contract is "never throws"; an input shape nobody foresaw is still a rejection.
        return { ok: false, reason: 'bad_signature', detail: 'unreadable request' };
      }
    },
    parse(request, channel, receivedAt) {
      try {
        return parsePostmarkWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'unreadable request' } };
      }
    },
  };
}

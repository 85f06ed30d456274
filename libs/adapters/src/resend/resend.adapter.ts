import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { parseResendWebhook } from './resend.parser';
import { ResendSignatureVerifier } from './resend.signature';

/** Resend delivery events for an `email` channel whose credentials name `provider: resend`. */
export function createResendAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new ResendSignatureVerifier(deps.now);
  return {
    provider: 'resend',
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
        return parseResendWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'unreadable request' } };
      }
    },
  };
}

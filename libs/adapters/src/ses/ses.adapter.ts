import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { parseSesWebhook } from './ses.parser';
import { SnsSignatureVerifier } from './ses.signature';

/**
 * Amazon SES events through an SNS HTTPS subscription, for an `email` channel whose
 * credentials name `provider: ses` (optionally with a `topic_arn` allow-list). The instance
 * holds the certificate cache, shared by every SES channel of the process.
 */
export function createSesAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new SnsSignatureVerifier(deps);
  return {
    provider: 'ses',
    async verify(request, credentials) {
      try {
        return await verifier.verify(request, credentials);
      } catch {
        // The contract is "never throws"; an input shape nobody foresaw is still a rejection.
        return { ok: false, reason: 'bad_signature', detail: 'unreadable request' };
      }
    },
    parse(request, channel, receivedAt) {
      try {
        return parseSesWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'unreadable request' } };
      }
    },
  };
}

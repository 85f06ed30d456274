import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { parseSendGridWebhook } from './sendgrid.parser';
import { SendGridSignatureVerifier } from './sendgrid.signature';

/** SendGrid Event Webhook for an `email` channel whose credentials name `provider: sendgrid`. */
export function createSendGridAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new SendGridSignatureVerifier(deps.now);
  return {
    provider: 'sendgrid',
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
        return parseSendGridWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'unreadable request' } };
      }
    },
  };
}

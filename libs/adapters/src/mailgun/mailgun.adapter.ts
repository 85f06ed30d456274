import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { parseMailgunWebhook } from './mailgun.parser';
import { MailgunSignatureVerifier } from './mailgun.signature';

/**
 * Mailgun webhooks for an `email` channel whose credentials name `provider: mailgun`.
 * One instance holds the replay guard, so the registry's one-adapter-per-provider cache
 * makes it shared by every Mailgun channel of the process.
 */
export function createMailgunAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new MailgunSignatureVerifier(deps.now);
  return {
    provider: 'mailgun',
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
        return parseMailgunWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'unreadable request' } };
      }
    },
  };
}

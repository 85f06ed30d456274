import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseMailgunWebhook } from './mailgun.parser';
import { MailgunSignatureVerifier } from './mailgun.signature';

/**
 * Mailgun webhooks for an `email` channel whose credentials name `provider: mailgun`.
 * One instance holds the replay guard, so the registry's one-adapter-per-provider cache
 * makes it shared by every Mailgun channel of the process.
 */
export function createMailgunAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new MailgunSignatureVerifier(deps.now);
  return guardedAdapter({
    provider: 'mailgun',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseMailgunWebhook(request, channel, receivedAt),
    accepted: (request) => verifier.accepted(request),
  });
}

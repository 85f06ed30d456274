import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseMailgunWebhook } from './mailgun.parser';
import { MailgunSignatureVerifier } from './mailgun.signature';

/** Holds the replay guard; the registry builds one adapter per provider, so every Mailgun channel shares it. */
export function createMailgunAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new MailgunSignatureVerifier(deps.now);
  return guardedAdapter({
    provider: 'mailgun',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseMailgunWebhook(request, channel, receivedAt),
    accepted: (request) => verifier.accepted(request),
  });
}

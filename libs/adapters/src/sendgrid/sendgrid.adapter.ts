import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseSendGridWebhook } from './sendgrid.parser';
import { SendGridSignatureVerifier } from './sendgrid.signature';

/** SendGrid Event Webhook for an `email` channel whose credentials name `provider: sendgrid`. */
export function createSendGridAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new SendGridSignatureVerifier(deps.now);
  return guardedAdapter({
    provider: 'sendgrid',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseSendGridWebhook(request, channel, receivedAt),
  });
}

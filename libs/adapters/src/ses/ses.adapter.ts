import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseSesWebhook } from './ses.parser';
import { SnsSignatureVerifier } from './ses.signature';

/**
 * Amazon SES events through an SNS HTTPS subscription, for an `email` channel whose
 * credentials name `provider: ses` (optionally with a `topic_arn` allow-list). The instance
 * holds the certificate cache, shared by every SES channel of the process.
 */
export function createSesAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new SnsSignatureVerifier(deps);
  return guardedAdapter({
    provider: 'ses',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseSesWebhook(request, channel, receivedAt),
  });
}

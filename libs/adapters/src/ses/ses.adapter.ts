import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseSesWebhook } from './ses.parser';
import { SnsSignatureVerifier } from './ses.signature';

/** Holds the certificate cache, shared by every SES channel of the process. */
export function createSesAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new SnsSignatureVerifier(deps);
  return guardedAdapter({
    provider: 'ses',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseSesWebhook(request, channel, receivedAt),
  });
}

import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseResendWebhook } from './resend.parser';
import { ResendSignatureVerifier } from './resend.signature';

/** Resend delivery events for an `email` channel whose credentials name `provider: resend`. */
export function createResendAdapter(deps: AdapterDependencies): ProviderAdapter {
  const verifier = new ResendSignatureVerifier(deps.now);
  return guardedAdapter({
    provider: 'resend',
    verify: (request, credentials) => verifier.verify(request, credentials),
    parse: (request, channel, receivedAt) => parseResendWebhook(request, channel, receivedAt),
  });
}

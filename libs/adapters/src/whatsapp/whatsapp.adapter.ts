import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseWhatsAppNotification } from './whatsapp.parser';
import { verifyWhatsAppSignature } from './whatsapp.signature';

/** WhatsApp Cloud API webhooks: X-Hub-Signature-256, batched messages and statuses. */
export function createWhatsAppAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'whatsapp',
    verify: (request, credentials) => verifyWhatsAppSignature(request, credentials),
    parse: (request, channel, receivedAt) => parseWhatsAppNotification(request, channel, receivedAt),
  });
}

import type {
  AdapterDependencies,
  ChannelContext,
  ChannelCredentials,
  ParseResult,
  ProviderAdapter,
  VerifyResult,
  WebhookRequest,
} from '../shared/adapter.types';
import { parseWhatsAppNotification } from './whatsapp.parser';
import { verifyWhatsAppSignature } from './whatsapp.signature';

/** WhatsApp Cloud API webhooks: X-Hub-Signature-256, batched messages and statuses. */
export function createWhatsAppAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return {
    provider: 'whatsapp',
    async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
      try {
        return verifyWhatsAppSignature(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: 'request could not be checked' };
      }
    },
    parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
      try {
        return parseWhatsAppNotification(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'notification could not be read' } };
      }
    },
  };
}

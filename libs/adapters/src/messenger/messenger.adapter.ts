import type {
  AdapterDependencies,
  ChannelContext,
  ChannelCredentials,
  ParseResult,
  ProviderAdapter,
  VerifyResult,
  WebhookRequest,
} from '../shared/adapter.types';
import { parseMessengerNotification } from './messenger.parser';
import { verifyMessengerSignature } from './messenger.signature';

/** Messenger Platform webhooks: X-Hub-Signature-256, batched messaging events. */
export function createMessengerAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return {
    provider: 'messenger',
    async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
      try {
        return verifyMessengerSignature(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: 'request could not be checked' };
      }
    },
    parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
      try {
        return parseMessengerNotification(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'notification could not be read' } };
      }
    },
  };
}

import type {
  AdapterDependencies,
  ChannelContext,
  ChannelCredentials,
  ParseResult,
  ProviderAdapter,
  VerifyResult,
  WebhookRequest,
} from '../shared/adapter.types';
import { parseTelegramUpdate } from './telegram.parser';
import { verifyTelegramSecretToken } from './telegram.signature';

/** Telegram Bot API webhooks: secret-token header, one Update per call. */
export function createTelegramAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return {
    provider: 'telegram',
    async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
      try {
        return verifyTelegramSecretToken(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: 'request could not be checked' };
      }
    },
    parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
      try {
        return parseTelegramUpdate(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'update could not be read' } };
      }
    },
  };
}

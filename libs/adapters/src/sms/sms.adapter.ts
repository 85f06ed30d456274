import type {
  AdapterDependencies,
  ChannelContext,
  ChannelCredentials,
  ParseResult,
  ProviderAdapter,
  VerifyResult,
  WebhookRequest,
} from '../shared/adapter.types';
import { parseTwilioWebhook } from './sms.parser';
import { verifyTwilioSignature } from './sms.signature';

/** Twilio Programmable Messaging webhooks: X-Twilio-Signature, one message or status per call. */
export function createSmsAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return {
    provider: 'sms',
    async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
      try {
        return verifyTwilioSignature(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: 'request could not be checked' };
      }
    },
    parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
      try {
        return parseTwilioWebhook(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'request could not be read' } };
      }
    },
  };
}

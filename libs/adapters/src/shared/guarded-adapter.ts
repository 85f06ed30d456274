import type { ChannelContext, ChannelCredentials, ParseResult, ProviderAdapter, VerifyResult, WebhookRequest } from './adapter.types';

export interface AdapterParts {
  provider: string;
  verify: (request: WebhookRequest, credentials: ChannelCredentials) => VerifyResult | Promise<VerifyResult>;
  parse: (request: WebhookRequest, channel: ChannelContext, receivedAt: Date) => ParseResult;
  accepted?: (request: WebhookRequest) => void;
}

/**
 * Builds an adapter that keeps the interface's promise, "never throws, whatever the input":
 * an exception from a check or parser nobody foresaw becomes a rejection or a parse error,
 * never a 500.
 */
export function guardedAdapter(parts: AdapterParts): ProviderAdapter {
  return {
    provider: parts.provider,
    async verify(request, credentials) {
      try {
        return await parts.verify(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: 'request could not be checked' };
      }
    },
    parse(request, channel, receivedAt) {
      try {
        return parts.parse(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: 'payload could not be read' } };
      }
    },
    accepted(request) {
      try {
        parts.accepted?.(request);
      } catch {
        // Bookkeeping only: the call is accepted whatever happens here.
      }
    },
  };
}

import type { ChannelContext, ChannelCredentials, ParseResult, ProviderAdapter, VerifyResult, WebhookRequest } from './adapter.types';

export interface AdapterParts {
  provider: string;
  verify: (request: WebhookRequest, credentials: ChannelCredentials) => VerifyResult | Promise<VerifyResult>;
  parse: (request: WebhookRequest, channel: ChannelContext, receivedAt: Date) => ParseResult;
  accepted?: (request: WebhookRequest) => void;
}

/** The details the safety net answers with: a spec seeing one knows a check or parser threw. */
export const UNCHECKED_REQUEST_DETAIL = 'request could not be checked';
export const UNREAD_PAYLOAD_DETAIL = 'payload could not be read';

/** Keeps "never throws": an unforeseen exception from a check or parser becomes a rejection or parse error, not a 500. */
export function guardedAdapter(parts: AdapterParts): ProviderAdapter {
  return {
    provider: parts.provider,
    async verify(request, credentials) {
      try {
        return await parts.verify(request, credentials);
      } catch {
        return { ok: false, reason: 'bad_signature', detail: UNCHECKED_REQUEST_DETAIL };
      }
    },
    parse(request, channel, receivedAt) {
      try {
        return parts.parse(request, channel, receivedAt);
      } catch {
        return { ok: false, error: { kind: 'invalid_payload', detail: UNREAD_PAYLOAD_DETAIL } };
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

import type { AcceptedAnswer } from '@inbound/adapters';

/** What the gateway answers a provider; bodies never carry a stack trace or a secret. */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown, headers?: Record<string, string>): WebhookAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
  headers,
});

export const ANSWERS = {
  // The provider's definition says what its success answer looks like.
  accepted: (answer: AcceptedAnswer): WebhookAnswer => ({ status: 200, contentType: answer.contentType, body: answer.body }),
  notFound: json(404, { error: 'not_found' }),
  unauthorized: json(401, { error: 'unauthorized' }),
  forbidden: json(403, { error: 'forbidden' }),
  // A request the HTTP layer cannot read (a broken escape in the path, a malformed header).
  badRequest: (status = 400) => json(status, { error: 'bad_request' }),
  invalid: (detail: string) => json(400, { error: 'invalid_payload', detail: detail.slice(0, 200) }),
  tooLarge: json(413, { error: 'payload_too_large' }),
  // Too many failed signature checks from this address; calls that verify are never refused.
  throttled: (retryAfterSeconds: number) =>
    json(429, { error: 'too_many_failed_verifications' }, { 'retry-after': String(retryAfterSeconds) }),
  // The provider retries on 503; Retry-After hints when.
  unavailable: json(503, { error: 'unavailable' }, { 'retry-after': '5' }),
  challenge: (value: string): WebhookAnswer => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: value }),
};

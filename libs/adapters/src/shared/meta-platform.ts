import { constantTimeEqual } from './constant-time';
import { generatedToken, optionalString, type Credentials } from './credential-rules';
import type { VerificationChallenge, WebhookBodyLimit } from './provider-definition';

// What WhatsApp and Messenger share: the subscription handshake, the verify token, the larger bodies.

/** https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests (verify token compared in constant time). */
export const META_SUBSCRIPTION_CHALLENGE: VerificationChallenge = {
  answer(query, credentials) {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    const expected = credentials.verify_token;
    const matches =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      typeof challenge === 'string' &&
      typeof expected === 'string' &&
      expected.length > 0 &&
      constantTimeEqual(token, expected);
    return matches ? (challenge as string) : undefined;
  },
};

/** Meta documents webhook batches of up to 3 MB. */
export const META_WEBHOOK_BODY_LIMIT: WebhookBodyLimit = { variable: 'META_BODY_LIMIT_BYTES', defaultBytes: 4 * 1024 * 1024 };

/** The verify token pasted into Meta's console: the caller's, or generated when absent. */
export function prepareVerifyToken(credentials: Credentials): void {
  optionalString(credentials, 'verify_token', /^[\x21-\x7e]{8,256}$/, 'must be 8 to 256 printable characters');
  credentials.verify_token ??= generatedToken();
}

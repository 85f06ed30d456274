import { constantTimeEqual } from './constant-time';
import { generatedToken, optionalString, requireString, type Credentials } from './credential-rules';
import type { ChannelType } from '@inbound/contracts';
import {
  JSON_ACCEPTED_ANSWER,
  neverReregisters,
  type ProviderDefinition,
  type VerificationChallenge,
  type WebhookBodyLimit,
} from './provider-definition';

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

/** What differs between the Meta channels; the rest of their definitions is the same. */
export interface MetaChannelSetup<N extends string, C extends ChannelType> {
  name: N;
  channelType: C;
  /** Checks the channel's own optional credentials (the app secret and verify token are common). */
  prepareOwnCredentials: (credentials: Credentials) => void;
  subscribeFields: readonly string[];
  instructions: string;
  createAdapter: ProviderDefinition['createAdapter'];
}

/** A channel set up by hand in the Meta App Dashboard, which checks the URL with a challenge. */
export function metaPlatformProvider<N extends string, C extends ChannelType>(
  setup: MetaChannelSetup<N, C>,
): ProviderDefinition & { name: N; channelType: C } {
  return {
    name: setup.name,
    channelType: setup.channelType,
    credentialsProvider: null,
    credentials: {
      prepare(input) {
        const credentials = { ...input };
        requireString(credentials, 'app_secret');
        prepareVerifyToken(credentials);
        setup.prepareOwnCredentials(credentials);
        return credentials;
      },
      serverOwnedKeys: [],
    },
    webhook: {
      kind: 'manual',
      instructions: (url, credentials) => ({
        status: 'manual',
        url,
        verify_token: credentials.verify_token,
        subscribe_fields: [...setup.subscribeFields],
        instructions: setup.instructions,
      }),
    },
    needsReregistration: neverReregisters,
    acceptedAnswer: JSON_ACCEPTED_ANSWER,
    verificationChallenge: META_SUBSCRIPTION_CHALLENGE,
    webhookBodyLimit: META_WEBHOOK_BODY_LIMIT,
    createAdapter: setup.createAdapter,
  };
}

import { optionalString, requireString } from '../shared/credential-rules';
import { META_SUBSCRIPTION_CHALLENGE, META_WEBHOOK_BODY_LIMIT, prepareVerifyToken } from '../shared/meta-platform';
import { JSON_ACCEPTED_ANSWER, neverReregisters, type ProviderDefinition } from '../shared/provider-definition';
import { createMessengerAdapter } from './messenger.adapter';

/** Messenger Platform: set up by hand in the Meta App Dashboard, which checks the URL with a challenge. */
export const messengerProvider = {
  name: 'messenger',
  channelType: 'messenger',
  credentialsProvider: null,
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'app_secret');
      prepareVerifyToken(credentials);
      optionalString(credentials, 'page_access_token');
      optionalString(credentials, 'page_id', /^\d+$/, 'must be digits');
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
      subscribe_fields: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
      instructions:
        'In the Meta App Dashboard, Messenger → Settings → Webhooks: paste the callback URL and the verify token, subscribe the page to the listed fields.',
    }),
  },
  needsReregistration: neverReregisters,
  acceptedAnswer: JSON_ACCEPTED_ANSWER,
  verificationChallenge: META_SUBSCRIPTION_CHALLENGE,
  webhookBodyLimit: META_WEBHOOK_BODY_LIMIT,
  createAdapter: createMessengerAdapter,
} satisfies ProviderDefinition;

import { optionalString, requireString } from '../shared/credential-rules';
import { META_SUBSCRIPTION_CHALLENGE, META_WEBHOOK_BODY_LIMIT, prepareVerifyToken } from '../shared/meta-platform';
import { JSON_ACCEPTED_ANSWER, neverReregisters, type ProviderDefinition } from '../shared/provider-definition';
import { createWhatsAppAdapter } from './whatsapp.adapter';

/** WhatsApp Cloud API: set up by hand in the Meta App Dashboard, which checks the URL with a challenge. */
export const whatsappProvider = {
  name: 'whatsapp',
  channelType: 'whatsapp',
  credentialsProvider: null,
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'app_secret');
      prepareVerifyToken(credentials);
      optionalString(credentials, 'access_token');
      optionalString(credentials, 'phone_number_id', /^\d+$/, 'must be digits');
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
      subscribe_fields: ['messages'],
      instructions:
        'In the Meta App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify token, then subscribe to the "messages" field.',
    }),
  },
  needsReregistration: neverReregisters,
  acceptedAnswer: JSON_ACCEPTED_ANSWER,
  verificationChallenge: META_SUBSCRIPTION_CHALLENGE,
  webhookBodyLimit: META_WEBHOOK_BODY_LIMIT,
  createAdapter: createWhatsAppAdapter,
} satisfies ProviderDefinition;

import { requireString } from '../shared/credential-rules';
import { emailManualSetup, emailProviderDefaults } from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createPostmarkAdapter } from './postmark.adapter';

const EVENTS = ['Delivery', 'Bounce', 'SpamComplaint', 'Open', 'Click', 'SubscriptionChange'];

/** Postmark: basic auth on the webhook URL, set up by hand. */
export const postmarkProvider = {
  ...emailProviderDefaults,
  name: 'postmark',
  credentialsProvider: 'postmark',
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'basic_auth_username', /^[^:]+$/, 'must not contain ":"');
      requireString(credentials, 'basic_auth_password');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailManualSetup(
    'postmark',
    EVENTS,
    'In Postmark, Servers → Message Streams → Webhooks: add the URL with basic auth set to the username and password stored in this channel, and enable the events.',
  ),
  createAdapter: createPostmarkAdapter,
} satisfies ProviderDefinition;

import { requireString } from '../shared/credential-rules';
import { emailManualSetup, emailProviderDefaults } from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createResendAdapter } from './resend.adapter';

const EVENTS = [
  'email.sent',
  'email.delivered',
  'email.delivery_delayed',
  'email.bounced',
  'email.complained',
  'email.opened',
  'email.clicked',
];

/** Resend: Svix-signed webhooks, set up by hand. */
export const resendProvider = {
  ...emailProviderDefaults,
  name: 'resend',
  credentialsProvider: 'resend',
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'webhook_secret', /^whsec_[A-Za-z0-9+/=]+$/, 'must be the whsec_… signing secret');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailManualSetup(
    'resend',
    EVENTS,
    'In Resend, Webhooks → Add Endpoint: paste the URL, select the events, and keep the signing secret (whsec_…) in this channel.',
  ),
  createAdapter: createResendAdapter,
} satisfies ProviderDefinition;

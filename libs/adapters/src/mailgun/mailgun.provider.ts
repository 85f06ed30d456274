import { requireString } from '../shared/credential-rules';
import { emailManualSetup, emailProviderDefaults } from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createMailgunAdapter } from './mailgun.adapter';

const EVENTS = ['delivered', 'permanent_fail', 'temporary_fail', 'opened', 'clicked', 'complained'];

/** Mailgun: HMAC-signed webhooks with a replay guard, set up by hand. */
export const mailgunProvider = {
  ...emailProviderDefaults,
  name: 'mailgun',
  credentialsProvider: 'mailgun',
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'signing_key');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailManualSetup(
    'mailgun',
    EVENTS,
    'In Mailgun, Sending → Webhooks: add the URL for each event and store the HTTP webhook signing key as signing_key.',
  ),
  createAdapter: createMailgunAdapter,
} satisfies ProviderDefinition;

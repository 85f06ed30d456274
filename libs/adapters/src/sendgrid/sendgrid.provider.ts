import { createPublicKey } from 'node:crypto';
import {
  CredentialsError,
  credentialField,
  optionalString,
  refuseServerOwnedKeys,
  requireString,
  withoutNullKeys,
  type Credentials,
} from '../shared/credential-rules';
import {
  accountKeysChanged,
  emailManualSetup,
  emailProviderDefaults,
  emailWebhookSetup,
  type EmailApiRegistration,
} from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createSendGridAdapter } from './sendgrid.adapter';
import { SENDGRID_REGISTERED_KEY, SENDGRID_SUBSCRIBED_EVENTS } from './sendgrid.types';
import { registerSendGridWebhook, SENDGRID_API_ORIGIN, unregisterSendGridWebhook } from './sendgrid.webhooks-api';

const SERVER_OWNED_KEYS = [SENDGRID_REGISTERED_KEY];

/** With an API key (Event Webhook settings: full access) the gateway makes the webhook, turns signing on and keeps SendGrid's public key. */
const sendGridApiRegistration: EmailApiRegistration = {
  api: { baseUrlVariable: 'SENDGRID_API_BASE_URL', defaultBaseUrl: SENDGRID_API_ORIGIN },
  accountKeys: ['api_key'],
  toldKeys: [],
  returnedKeys: SERVER_OWNED_KEYS,
  filledIn: (credentials) => credentials,
  register: registerSendGridWebhook,
  unregister: unregisterSendGridWebhook,
};

/** The Signed Event Webhook's key: base64 DER of an EC public key. */
function requireEcPublicKey(credentials: Credentials, name: string): void {
  requireString(credentials, name);
  try {
    const key = createPublicKey({ key: Buffer.from(String(credentials[name]), 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec') throw new Error('not EC');
  } catch {
    throw new CredentialsError(credentialField(name), 'must be the base64 public key SendGrid shows for the signed event webhook');
  }
}

/** SendGrid Event Webhook: ECDSA-signed batches, registered through SendGrid's API when the channel has an API key, set up by hand otherwise. */
export const sendgridProvider = {
  ...emailProviderDefaults,
  name: 'sendgrid',
  credentialsProvider: 'sendgrid',
  credentials: {
    prepare(input) {
      refuseServerOwnedKeys(input, SERVER_OWNED_KEYS);
      const credentials = withoutNullKeys(input, ['api_key', 'verification_key']);
      optionalString(
        credentials,
        'api_key',
        /^SG\.[\w-]+\.[\w-]+$/,
        'must be a SendGrid API key (SG.…) allowed to change Event Webhook settings',
      );
      // Without an API key the webhook is set up by hand, and the key SendGrid shows there is what verifies.
      if (credentials.api_key === undefined || credentials.verification_key !== undefined)
        requireEcPublicKey(credentials, 'verification_key');
      return credentials;
    },
    serverOwnedKeys: SERVER_OWNED_KEYS,
  },
  webhook: emailWebhookSetup(
    sendGridApiRegistration,
    emailManualSetup(
      'sendgrid',
      SENDGRID_SUBSCRIBED_EVENTS,
      'In SendGrid, Mail Settings → Event Webhook: paste the URL as HTTP POST URL, select the events, enable Signed Event Webhook and store its public key as verification_key.',
    ),
  ),
  // Another API key may be another SendGrid account: its webhook is made anew there.
  needsReregistration: accountKeysChanged(sendGridApiRegistration),
  createAdapter: createSendGridAdapter,
} satisfies ProviderDefinition;

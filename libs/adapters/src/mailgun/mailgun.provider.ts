import {
  CredentialsError,
  credentialField,
  optionalString,
  refuseServerOwnedKeys,
  requireString,
  withoutNullKeys,
} from '../shared/credential-rules';
import {
  accountKeysChanged,
  emailManualSetup,
  emailProviderDefaults,
  emailWebhookSetup,
  type EmailApiRegistration,
} from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createMailgunAdapter } from './mailgun.adapter';
import { MAILGUN_REGISTERED_KEY, MAILGUN_SUBSCRIBED_EVENTS } from './mailgun.types';
import { MAILGUN_API_ORIGIN, registerMailgunWebhooks, unregisterMailgunWebhooks } from './mailgun.webhooks-api';

const SERVER_OWNED_KEYS = [MAILGUN_REGISTERED_KEY];
/** A sending domain as Mailgun names it. */
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** With an API key and the sending domain the gateway sets the domain's webhooks and reads the account's signing key. */
const mailgunApiRegistration: EmailApiRegistration = {
  api: { baseUrlVariable: 'MAILGUN_API_BASE_URL', defaultBaseUrl: MAILGUN_API_ORIGIN },
  accountKeys: ['api_key', 'domain'],
  toldKeys: [],
  returnedKeys: SERVER_OWNED_KEYS,
  filledIn: (credentials) => credentials,
  register: registerMailgunWebhooks,
  unregister: unregisterMailgunWebhooks,
};

/** Mailgun: HMAC-signed webhooks with a replay guard, registered through Mailgun's API when the channel has an API key and domain, set up by hand otherwise. */
export const mailgunProvider = {
  ...emailProviderDefaults,
  name: 'mailgun',
  credentialsProvider: 'mailgun',
  credentials: {
    prepare(input) {
      refuseServerOwnedKeys(input, SERVER_OWNED_KEYS);
      const credentials = withoutNullKeys(input, ['api_key', 'domain', 'signing_key']);
      optionalString(credentials, 'api_key', /^\S+$/, 'must be a Mailgun API key');
      optionalString(credentials, 'domain', DOMAIN_PATTERN, 'must be the sending domain as Mailgun names it (mg.example.com)');
      // The webhooks belong to a domain: a key without one (or one without a key) is half of what the API needs.
      if ((credentials.api_key === undefined) !== (credentials.domain === undefined)) {
        const missing = credentials.api_key === undefined ? 'api_key' : 'domain';
        throw new CredentialsError(credentialField(missing), 'is needed with the other of api_key and domain');
      }
      // Without them the webhooks are set up by hand, and the account's signing key is what verifies.
      if (credentials.api_key === undefined) requireString(credentials, 'signing_key');
      else optionalString(credentials, 'signing_key');
      return credentials;
    },
    serverOwnedKeys: SERVER_OWNED_KEYS,
  },
  webhook: emailWebhookSetup(
    mailgunApiRegistration,
    emailManualSetup(
      'mailgun',
      MAILGUN_SUBSCRIBED_EVENTS,
      'In Mailgun, Sending → Webhooks: add the URL for each event and store the HTTP webhook signing key as signing_key.',
    ),
  ),
  // Another key or domain: the webhooks move there (the old domain's are removed).
  needsReregistration: accountKeysChanged(mailgunApiRegistration),
  createAdapter: createMailgunAdapter,
} satisfies ProviderDefinition;

import { generatedToken, optionalString, requireString, withoutNullKeys, type Credentials } from '../shared/credential-rules';
import {
  accountKeysChanged,
  emailManualSetup,
  emailProviderDefaults,
  emailWebhookSetup,
  type EmailApiRegistration,
} from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createPostmarkAdapter } from './postmark.adapter';
import { POSTMARK_SUBSCRIBED_TRIGGERS } from './postmark.types';
import { POSTMARK_API_ORIGIN, registerPostmarkWebhook, unregisterPostmarkWebhook } from './postmark.webhooks-api';

const BASIC_AUTH_KEYS = ['basic_auth_username', 'basic_auth_password'] as const;

/** The Basic credentials Postmark is given: the caller's, or made here when absent (no `:` in either). */
function withBasicCredentials(credentials: Credentials): Credentials {
  if (BASIC_AUTH_KEYS.every((key) => typeof credentials[key] === 'string')) return credentials;
  return {
    ...credentials,
    basic_auth_username: credentials.basic_auth_username ?? `hooks-${generatedToken().slice(0, 12)}`,
    basic_auth_password: credentials.basic_auth_password ?? generatedToken(),
  };
}

/** With a server token the gateway makes the server's webhook itself, with the channel's Basic credentials. */
const postmarkApiRegistration: EmailApiRegistration = {
  api: { baseUrlVariable: 'POSTMARK_API_BASE_URL', defaultBaseUrl: POSTMARK_API_ORIGIN },
  accountKeys: ['server_token'],
  // New Basic credentials are set on the same webhook.
  toldKeys: BASIC_AUTH_KEYS,
  returnedKeys: [],
  // Made and stored before Postmark is told them, like Telegram's secret: no call can carry credentials we lack.
  filledIn: withBasicCredentials,
  register: registerPostmarkWebhook,
  unregister: unregisterPostmarkWebhook,
};

/** Postmark: basic auth on the webhook URL, registered through Postmark's API when the channel has a server token, set up by hand otherwise. */
export const postmarkProvider = {
  ...emailProviderDefaults,
  name: 'postmark',
  credentialsProvider: 'postmark',
  credentials: {
    prepare(input) {
      const credentials = withoutNullKeys(input, ['server_token']);
      optionalString(credentials, 'server_token', /^\S+$/, 'must be the Server API token (Postmark: Servers → API Tokens)');
      // Without a server token the webhook is set up by hand with these; with one they are made when absent.
      const check = credentials.server_token === undefined ? requireString : optionalString;
      check(credentials, 'basic_auth_username', /^[^:]+$/, 'must not contain ":"');
      check(credentials, 'basic_auth_password');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailWebhookSetup(
    postmarkApiRegistration,
    emailManualSetup(
      'postmark',
      POSTMARK_SUBSCRIBED_TRIGGERS,
      'In Postmark, Servers → Message Streams → Webhooks: add the URL with basic auth set to the username and password stored in this channel, and enable the events.',
    ),
  ),
  // Another token may be another server: its webhook is made anew there.
  needsReregistration: accountKeysChanged(postmarkApiRegistration),
  createAdapter: createPostmarkAdapter,
} satisfies ProviderDefinition;

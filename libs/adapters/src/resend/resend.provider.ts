import { optionalString, refuseServerOwnedKeys, requireString, withoutNullKeys } from '../shared/credential-rules';
import {
  accountKeysChanged,
  emailManualSetup,
  emailProviderDefaults,
  emailWebhookSetup,
  type EmailApiRegistration,
} from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createResendAdapter } from './resend.adapter';
import { RESEND_REGISTERED_SECRET_KEY, RESEND_SUBSCRIBED_EVENTS } from './resend.types';
import { registerResendWebhook, RESEND_API_ORIGIN, unregisterResendWebhook } from './resend.webhooks-api';

const SERVER_OWNED_KEYS = [RESEND_REGISTERED_SECRET_KEY];

/** With a full-access API key the gateway creates the endpoint itself and keeps the secret Resend makes for it. */
const resendApiRegistration: EmailApiRegistration = {
  api: { baseUrlVariable: 'RESEND_API_BASE_URL', defaultBaseUrl: RESEND_API_ORIGIN },
  accountKeys: ['api_key'],
  toldKeys: [],
  returnedKeys: SERVER_OWNED_KEYS,
  filledIn: (credentials) => credentials,
  register: registerResendWebhook,
  unregister: unregisterResendWebhook,
};

/** Resend: Svix-signed webhooks, registered through Resend's API when the channel has an API key, set up by hand otherwise. */
export const resendProvider = {
  ...emailProviderDefaults,
  name: 'resend',
  credentialsProvider: 'resend',
  credentials: {
    prepare(input) {
      refuseServerOwnedKeys(input, SERVER_OWNED_KEYS);
      const credentials = withoutNullKeys(input, ['api_key', 'webhook_secret']);
      optionalString(credentials, 'api_key', /^re_[A-Za-z0-9_]+$/, 'must be a Resend API key (re_…) with full access');
      // Without an API key the endpoint is made by hand, and its secret is what verifies.
      if (credentials.api_key === undefined) {
        requireString(credentials, 'webhook_secret', /^whsec_[A-Za-z0-9+/=]+$/, 'must be the whsec_… signing secret');
      } else {
        optionalString(credentials, 'webhook_secret', /^whsec_[A-Za-z0-9+/=]+$/, 'must be the whsec_… signing secret');
      }
      return credentials;
    },
    serverOwnedKeys: SERVER_OWNED_KEYS,
  },
  webhook: emailWebhookSetup(
    resendApiRegistration,
    emailManualSetup(
      'resend',
      RESEND_SUBSCRIBED_EVENTS,
      'In Resend, Webhooks → Add Endpoint: paste the URL, select the events, and keep the signing secret (whsec_…) in this channel.',
    ),
  ),
  // Another API key may be another Resend account: its endpoint is made anew there.
  needsReregistration: accountKeysChanged(resendApiRegistration),
  createAdapter: createResendAdapter,
} satisfies ProviderDefinition;

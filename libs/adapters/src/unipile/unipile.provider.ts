import { JSON_ACCEPTED_ANSWER, type ProviderDefinition } from '../shared/provider-definition';
import { createUnipileAdapter } from './unipile.adapter';
import { prepareUnipileCredentials, UNIPILE_SERVER_OWNED_KEYS } from './unipile.credentials';
import {
  isSameUnipileRegistration,
  registerUnipileWebhook,
  unipileRegistrationCredentials,
  unregisterUnipileWebhook,
  withoutUnipileRegistration,
} from './unipile.webhook-registration';

/** Others may edit or copy a webhook in Unipile's dashboard, and a failed registration deserves a retry: checked this often. */
export const UNIPILE_RECONCILE_EVERY_MS = 10 * 60_000;

/**
 * Unipile (LinkedIn, WhatsApp, Instagram, Messenger, Telegram, X through one API): the gateway keeps exactly one
 * webhook for the channel's URL in the channel's Unipile account, carrying a secret header we generate.
 */
export const unipileProvider = {
  name: 'unipile',
  channelType: 'unipile',
  credentialsProvider: null,
  credentials: {
    prepare: prepareUnipileCredentials,
    serverOwnedKeys: UNIPILE_SERVER_OWNED_KEYS,
  },
  webhook: {
    kind: 'api',
    // No default origin: each Unipile account has its own DSN (credentials.api_url); the variable overrides it (tests).
    api: { baseUrlVariable: 'UNIPILE_API_BASE_URL', defaultBaseUrl: null },
    registrationCredentials: (credentials) => unipileRegistrationCredentials(credentials),
    tidiedCredentials: (credentials) => credentials,
    unregisteredCredentials: withoutUnipileRegistration,
    isSameRegistration: isSameUnipileRegistration,
    register: registerUnipileWebhook,
    unregister: unregisterUnipileWebhook,
    reconcileEveryMs: UNIPILE_RECONCILE_EVERY_MS,
  },
  // Another DSN is another Unipile account: the webhook there is removed and one made in the new one.
  needsReregistration: (before, after) => before.api_url !== after.api_url,
  acceptedAnswer: JSON_ACCEPTED_ANSWER,
  verificationChallenge: null,
  webhookBodyLimit: null,
  developmentFile: null,
  createAdapter: createUnipileAdapter,
} satisfies ProviderDefinition;

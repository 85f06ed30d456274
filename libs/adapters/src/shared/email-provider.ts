import { withoutKeys, type Credentials } from './credential-rules';
import {
  JSON_ACCEPTED_ANSWER,
  type ApiWebhookSetup,
  type ApiWhenCredentialedSetup,
  type ManualWebhookSetup,
  neverReregisters,
  type ProviderApiSetting,
} from './provider-definition';

/**
 * What every email provider has in common: the `email` channel type, no registration to
 * replace, a JSON answer, no handshake, the default body limit. An email provider's definition
 * spreads these and adds its own name, credentials, setup and adapter.
 */
export const emailProviderDefaults = {
  channelType: 'email',
  needsReregistration: neverReregisters,
  acceptedAnswer: JSON_ACCEPTED_ANSWER,
  verificationChallenge: null,
  webhookBodyLimit: null,
  developmentFile: null,
} as const;

/** An email provider's hand-made setup: the URL, the events to select, and where to click. */
export function emailManualSetup(provider: string, events: readonly string[], instructions: string): ManualWebhookSetup {
  return {
    kind: 'manual',
    instructions: (url) => ({ status: 'manual', url, provider, events: [...events], instructions }),
  };
}

/** How an email provider's webhook is registered through its API when a channel carries the API credentials. */
export interface EmailApiRegistration {
  api: ProviderApiSetting;
  /**
   * Caller keys naming the provider account (its API key, Mailgun's domain). All present: the
   * webhook is registered through the API. A change of one moves the registration to another
   * account: the old one is removed and a new one made.
   */
  accountKeys: readonly string[];
  /** Other caller keys the provider is told (Postmark's Basic credentials): a change registers again, in place. */
  toldKeys: readonly string[];
  /** Server-owned keys a registration stores (what the provider gave back): they belong to it and go with it. */
  returnedKeys: readonly string[];
  /** Values made when absent and stored before the provider hears of them; the same object when none is missing. */
  filledIn(credentials: Credentials): Credentials;
  register: ApiWebhookSetup['register'];
  unregister: ApiWebhookSetup['unregister'];
}

const isPresent = (value: unknown) => typeof value === 'string' && value !== '';

/** Registered through the API when the account keys are present, by hand (`manual`) otherwise. */
export function emailWebhookSetup(registration: EmailApiRegistration, manual: ManualWebhookSetup): ApiWhenCredentialedSetup {
  const registeredWith = [...registration.accountKeys, ...registration.toldKeys];
  return {
    kind: 'api_when_credentialed',
    usesApi: (credentials) => registration.accountKeys.every((key) => isPresent(credentials[key])),
    api: {
      kind: 'api',
      api: registration.api,
      // A new account's registration gives back its own values; until then the old ones would verify nothing.
      registrationCredentials: (credentials, reregistration) =>
        registration.filledIn(reregistration ? withoutKeys(credentials, registration.returnedKeys) : credentials),
      tidiedCredentials: (credentials) => credentials,
      unregisteredCredentials: (credentials) => withoutKeys(credentials, registration.returnedKeys),
      isSameRegistration: (stored, registered) => registeredWith.every((key) => stored[key] === registered[key]),
      register: registration.register,
      unregister: registration.unregister,
      reconcileEveryMs: null,
    },
    manual,
  };
}

/** `needsReregistration` of a provider registered in an account its API key names. */
export function accountKeysChanged(registration: EmailApiRegistration): (before: Credentials, after: Credentials) => boolean {
  return (before, after) => registration.accountKeys.some((key) => before[key] !== after[key]);
}

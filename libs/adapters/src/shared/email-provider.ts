import { JSON_ACCEPTED_ANSWER, type ManualWebhookSetup, neverReregisters } from './provider-definition';

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
} as const;

/** An email provider's hand-made setup: the URL, the events to select, and where to click. */
export function emailManualSetup(provider: string, events: readonly string[], instructions: string): ManualWebhookSetup {
  return {
    kind: 'manual',
    instructions: (url) => ({ status: 'manual', url, provider, events: [...events], instructions }),
  };
}

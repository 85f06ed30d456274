import { JSON_ACCEPTED_ANSWER, neverReregisters } from './provider-definition';

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

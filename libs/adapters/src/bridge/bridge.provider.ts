import { generatedToken, optionalString, type Credentials } from '../shared/credential-rules';
import { JSON_ACCEPTED_ANSWER, neverReregisters, type ProviderDefinition } from '../shared/provider-definition';
import { createBridgeAdapter } from './bridge.adapter';
import { BRIDGE_SIGNATURE_HEADER } from './bridge.signature';

/** An HMAC key: long enough to be one, printable so it can be pasted into a bridge's configuration. */
const SECRET_PATTERN = /^[!-~]{16,256}$/;
const SECRET_HINT = 'must be 16–256 printable ASCII characters (! to ~)';

/**
 * A self-hosted WhatsApp Web bridge (Baileys or similar) that posts our own contract. Set up by
 * hand: the operator pastes the URL and the secret into the bridge's configuration.
 */
export const bridgeProvider = {
  name: 'bridge',
  channelType: 'bridge',
  credentialsProvider: null,
  credentials: {
    prepare(input) {
      const credentials: Credentials = { ...input };
      // The end of a rotation: a PATCH merges key by key, so null is how a caller removes the old secret.
      if (credentials.previous_webhook_secret === null) delete credentials.previous_webhook_secret;
      optionalString(credentials, 'webhook_secret', SECRET_PATTERN, SECRET_HINT);
      optionalString(credentials, 'previous_webhook_secret', SECRET_PATTERN, SECRET_HINT);
      credentials.webhook_secret ??= generatedToken();
      return credentials;
    },
    // Both secrets may be set by the caller (a rotation is: the old one as previous, a new one as current).
    serverOwnedKeys: [],
  },
  webhook: {
    kind: 'manual',
    instructions: (url) => ({
      status: 'manual',
      url,
      signature_header: 'X-Webhook-Signature',
      instructions:
        `Configure the bridge to POST its events to the URL, signing each raw body with HMAC-SHA256 keyed with the channel's webhook_secret, ` +
        `hex in the ${BRIDGE_SIGNATURE_HEADER} header (a sha256= prefix is accepted). A generated webhook_secret is shown only in the answer that ` +
        'created it; to change it, PATCH credentials.webhook_secret with the new one and credentials.previous_webhook_secret with the old one, ' +
        'and once the bridge signs with the new one, PATCH credentials.previous_webhook_secret to null.',
    }),
    // The secret is in no stored state: only the answer of the call that generated it shows it.
    shownOnce: ['webhook_secret'],
  },
  needsReregistration: neverReregisters,
  acceptedAnswer: JSON_ACCEPTED_ANSWER,
  verificationChallenge: null,
  webhookBodyLimit: null,
  developmentFile: null,
  createAdapter: createBridgeAdapter,
} satisfies ProviderDefinition;

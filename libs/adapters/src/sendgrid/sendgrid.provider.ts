import { createPublicKey } from 'node:crypto';
import { CredentialsError, credentialField, requireString, type Credentials } from '../shared/credential-rules';
import { emailManualSetup, emailProviderDefaults } from '../shared/email-provider';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createSendGridAdapter } from './sendgrid.adapter';

const EVENTS = ['processed', 'deferred', 'delivered', 'open', 'click', 'bounce', 'dropped', 'spamreport', 'unsubscribe'];

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

/** SendGrid Event Webhook: ECDSA-signed batches, set up by hand. */
export const sendgridProvider = {
  ...emailProviderDefaults,
  name: 'sendgrid',
  credentialsProvider: 'sendgrid',
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireEcPublicKey(credentials, 'verification_key');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: emailManualSetup(
    'sendgrid',
    EVENTS,
    'In SendGrid, Mail Settings → Event Webhook: paste the URL as HTTP POST URL, select the events, enable Signed Event Webhook and store its public key as verification_key.',
  ),
  createAdapter: createSendGridAdapter,
} satisfies ProviderDefinition;

import { requireString } from '../shared/credential-rules';
import { neverReregisters, type ProviderDefinition } from '../shared/provider-definition';
import { createSmsAdapter } from './sms.adapter';

/** Twilio Programmable Messaging: set up by hand in the Twilio Console; answered with TwiML. */
export const smsProvider = {
  name: 'sms',
  channelType: 'sms',
  credentialsProvider: null,
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'account_sid', /^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex digits)');
      requireString(credentials, 'auth_token');
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: {
    kind: 'manual',
    instructions: (url) => ({
      status: 'manual',
      url,
      incoming_message_url: url,
      status_callback_url: url,
      http_method: 'POST',
      instructions:
        'In the Twilio Console, the phone number or Messaging Service: set "A message comes in" to the incoming message URL (HTTP POST), and send with StatusCallback set to the status callback URL. The URL must match exactly: Twilio signs it.',
    }),
  },
  needsReregistration: neverReregisters,
  // Twilio reads the answer as TwiML; an empty Response sends no reply message.
  acceptedAnswer: { contentType: 'text/xml; charset=utf-8', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' },
  verificationChallenge: null,
  webhookBodyLimit: null,
  createAdapter: createSmsAdapter,
} satisfies ProviderDefinition;

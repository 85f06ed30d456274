import { CredentialsError, credentialField, optionalString, requireString, type Credentials } from '../shared/credential-rules';
import type { ProviderDefinition } from '../shared/provider-definition';
import { createSmsAdapter } from './sms.adapter';
import {
  registerTwilioWebhook,
  TWILIO_REGISTRATION_KEYS,
  TWILIO_WEBHOOK_TARGET_KEYS,
  twilioWebhookTargetChanged,
  unregisterTwilioWebhook,
  usesTwilioApi,
} from './sms.webhook-registration';

/** Where Twilio's REST API is unless TWILIO_API_BASE_URL says otherwise (tests point it at a fake). */
export const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** Nothing server-owned is stored with a Twilio registration: the credentials stay as the caller set them. */
const unchanged = (credentials: Credentials): Credentials => credentials;

/**
 * Twilio Programmable Messaging, answered with TwiML. The incoming-message URL is set through Twilio's API when the
 * channel names the number or Messaging Service (sms.webhook-registration.ts), by hand in the Twilio Console otherwise.
 */
export const smsProvider = {
  name: 'sms',
  channelType: 'sms',
  credentialsProvider: null,
  credentials: {
    prepare(input) {
      const credentials = { ...input };
      requireString(credentials, 'account_sid', /^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex digits)');
      requireString(credentials, 'auth_token');
      // A PATCH merges key by key, so null is how a caller removes a target (back to manual, or to switch targets).
      for (const key of TWILIO_WEBHOOK_TARGET_KEYS) if (credentials[key] === null) delete credentials[key];
      optionalString(
        credentials,
        'phone_number_sid',
        /^PN[0-9a-fA-F]{32}$/,
        'must be a Twilio phone number SID (PN followed by 32 hex digits)',
      );
      optionalString(
        credentials,
        'messaging_service_sid',
        /^MG[0-9a-fA-F]{32}$/,
        'must be a Messaging Service SID (MG followed by 32 hex digits)',
      );
      if (credentials.phone_number_sid !== undefined && credentials.messaging_service_sid !== undefined) {
        throw new CredentialsError(
          credentialField('messaging_service_sid'),
          'cannot be set with phone_number_sid: the gateway points one of them at the channel (send the other as null)',
        );
      }
      return credentials;
    },
    serverOwnedKeys: [],
  },
  webhook: {
    kind: 'api_when_credentialed',
    usesApi: usesTwilioApi,
    api: {
      kind: 'api',
      api: { baseUrlVariable: 'TWILIO_API_BASE_URL', defaultBaseUrl: TWILIO_API_ORIGIN },
      registrationCredentials: unchanged,
      tidiedCredentials: unchanged,
      unregisteredCredentials: unchanged,
      isSameRegistration: (stored, registeredWith) => TWILIO_REGISTRATION_KEYS.every((key) => stored[key] === registeredWith[key]),
      register: registerTwilioWebhook,
      unregister: unregisterTwilioWebhook,
      reconcileEveryMs: null,
    },
    manual: {
      kind: 'manual',
      instructions: (url) => ({
        status: 'manual',
        url,
        incoming_message_url: url,
        status_callback_url: url,
        http_method: 'POST',
        instructions:
          'In the Twilio Console, the phone number or Messaging Service: set "A message comes in" to the incoming message URL (HTTP POST), and send with StatusCallback set to the status callback URL. The URL must match exactly: Twilio signs it. Or add phone_number_sid or messaging_service_sid to the credentials and the gateway sets it.',
      }),
    },
  },
  needsReregistration: twilioWebhookTargetChanged,
  // Twilio reads the answer as TwiML; an empty Response sends no reply message.
  acceptedAnswer: { contentType: 'text/xml; charset=utf-8', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' },
  verificationChallenge: null,
  webhookBodyLimit: null,
  developmentFile: null,
  createAdapter: createSmsAdapter,
} satisfies ProviderDefinition;

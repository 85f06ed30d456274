import { optionalString } from '../shared/credential-rules';
import { metaPlatformProvider } from '../shared/meta-platform';
import { createWhatsAppAdapter } from './whatsapp.adapter';

/** WhatsApp Cloud API. */
export const whatsappProvider = metaPlatformProvider({
  name: 'whatsapp',
  channelType: 'whatsapp',
  prepareOwnCredentials(credentials) {
    optionalString(credentials, 'access_token');
    optionalString(credentials, 'phone_number_id', /^\d+$/, 'must be digits');
  },
  // The parser reads the `messages` field only (messages and their statuses).
  subscription: {
    object: 'whatsapp_business_account',
    fields: ['messages'],
    // https://developers.facebook.com/docs/whatsapp/cloud-api/guides/set-up-webhooks
    remainingStep:
      'A WhatsApp Business Account reaches it once the account has subscribed the app (POST /{waba-id}/subscribed_apps, done by the App Dashboard when the number is added).',
  },
  instructions:
    'In the Meta App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify token, then subscribe to the "messages" field. Or add app_id and app_access_token to the credentials and the gateway subscribes the app.',
  createAdapter: createWhatsAppAdapter,
});

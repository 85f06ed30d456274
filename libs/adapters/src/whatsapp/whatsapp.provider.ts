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
  subscribeFields: ['messages'],
  instructions:
    'In the Meta App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify token, then subscribe to the "messages" field.',
  createAdapter: createWhatsAppAdapter,
});

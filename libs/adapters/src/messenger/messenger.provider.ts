import { optionalString } from '../shared/credential-rules';
import { metaPlatformProvider } from '../shared/meta-platform';
import { createMessengerAdapter } from './messenger.adapter';

/** Messenger Platform. */
export const messengerProvider = metaPlatformProvider({
  name: 'messenger',
  channelType: 'messenger',
  prepareOwnCredentials(credentials) {
    optionalString(credentials, 'page_access_token');
    optionalString(credentials, 'page_id', /^\d+$/, 'must be digits');
  },
  subscribeFields: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
  instructions:
    'In the Meta App Dashboard, Messenger → Settings → Webhooks: paste the callback URL and the verify token, subscribe the page to the listed fields.',
  createAdapter: createMessengerAdapter,
});

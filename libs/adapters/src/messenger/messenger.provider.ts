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
  // The parser's events: messages, postbacks, deliveries and reads (echoes and the rest give nothing).
  subscription: {
    object: 'page',
    fields: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
    // https://developers.facebook.com/docs/messenger-platform/webhooks
    remainingStep:
      'A page reaches it once the page has subscribed the app to these fields (App Dashboard → Messenger → Settings, or POST /{page-id}/subscribed_apps with the page access token).',
  },
  instructions:
    'In the Meta App Dashboard, Messenger → Settings → Webhooks: paste the callback URL and the verify token, subscribe the page to the listed fields. Or add app_id and app_access_token to the credentials and the gateway subscribes the app.',
  createAdapter: createMessengerAdapter,
});

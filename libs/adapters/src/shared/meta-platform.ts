import { constantTimeEqual } from './constant-time';
import { CredentialsError, credentialField, generatedToken, optionalString, requireString, type Credentials } from './credential-rules';
import type { ChannelType } from '@inbound/contracts';
import { GRAPH_API_ORIGIN, MetaGraphApi } from './meta-graph-api';
import {
  JSON_ACCEPTED_ANSWER,
  type ApiWebhookSetup,
  type ProviderApiAccess,
  type ProviderDefinition,
  type RegistrationOutcome,
  type VerificationChallenge,
  type WebhookBodyLimit,
  type WebhookState,
} from './provider-definition';

// What WhatsApp and Messenger share: the subscription handshake, the verify token, the larger bodies, and the
// registration of the app's webhook through the Graph API when the channel carries the app's id and access token.

/** https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests (verify token compared in constant time). */
export const META_SUBSCRIPTION_CHALLENGE: VerificationChallenge = {
  answer(query, credentials) {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    const expected = credentials.verify_token;
    const matches =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      typeof challenge === 'string' &&
      typeof expected === 'string' &&
      expected.length > 0 &&
      constantTimeEqual(token, expected);
    return matches ? (challenge as string) : undefined;
  },
};

/** Meta documents webhook batches of up to 3 MB. */
export const META_WEBHOOK_BODY_LIMIT: WebhookBodyLimit = { variable: 'META_BODY_LIMIT_BYTES', defaultBytes: 4 * 1024 * 1024 };

/** The verify token pasted into Meta's console: the caller's, or generated when absent. */
export function prepareVerifyToken(credentials: Credentials): void {
  optionalString(credentials, 'verify_token', /^[\x21-\x7e]{8,256}$/, 'must be 8 to 256 printable characters');
  credentials.verify_token ??= generatedToken();
}

/** The optional credentials that let the gateway subscribe the app itself: both or neither. */
export const META_APP_CREDENTIAL_KEYS = ['app_id', 'app_access_token'] as const;

/** The app's id and an app access token (`{app-id}|{app-secret}`, or one from the client-credentials grant). */
export function prepareMetaAppCredentials(credentials: Credentials): void {
  // A PATCH merges key by key, so null is how a caller removes them (back to a manual setup).
  for (const key of META_APP_CREDENTIAL_KEYS) if (credentials[key] === null) delete credentials[key];
  optionalString(credentials, 'app_id', /^\d{1,32}$/, 'must be the Meta app id (digits)');
  optionalString(credentials, 'app_access_token');
  if (credentials.app_id !== undefined && credentials.app_access_token === undefined) {
    throw new CredentialsError(credentialField('app_access_token'), 'is required with app_id: the gateway subscribes the app with both');
  }
  if (credentials.app_access_token !== undefined && credentials.app_id === undefined) {
    throw new CredentialsError(credentialField('app_id'), 'is required with app_access_token: the gateway subscribes the app with both');
  }
}

export const usesGraphApi = (credentials: Credentials): boolean =>
  typeof credentials.app_id === 'string' && typeof credentials.app_access_token === 'string';

/** What a Meta channel's app subscription is made of. */
export interface MetaAppSubscription {
  /** The webhook object type: `whatsapp_business_account`, `page`. */
  object: string;
  /** The fields the channel's parser turns into events. */
  fields: readonly string[];
  /** What else Meta needs before it sends anything, said in the registered answer. */
  remainingStep: string;
}

/** What a registration was made with: a change to any of them makes its outcome stale. */
const META_REGISTRATION_KEYS = ['app_id', 'app_access_token', 'verify_token'] as const;

/** Nothing server-owned is stored with a Meta registration: the credentials stay as the caller set them. */
const unchanged = (credentials: Credentials): Credentials => credentials;

function graphApi(api: ProviderApiAccess, credentials: Credentials): MetaGraphApi {
  return new MetaGraphApi(api, String(credentials.app_access_token));
}

const failed = (url: string, error: string): WebhookState => ({ status: 'failed', url, error, failed_at: new Date().toISOString() });

/**
 * Subscribes the app to the object's fields at the channel's URL. Meta answers only after calling the URL with the
 * verify token and getting the challenge back (META_SUBSCRIPTION_CHALLENGE), so a registered channel is one Meta has
 * reached. The subscription is posted on every registration: Meta never shows the verify token it holds, so a read
 * cannot tell whether a new one must be given; posting the same values again changes nothing there.
 * An app has one callback URL per object: a subscription pointing elsewhere is replaced, and the answer says so.
 */
export function metaAppSubscriptionSetup(subscription: MetaAppSubscription): ApiWebhookSetup {
  return {
    kind: 'api',
    api: { baseUrlVariable: 'GRAPH_API_BASE_URL', defaultBaseUrl: GRAPH_API_ORIGIN },
    registrationCredentials: unchanged,
    tidiedCredentials: unchanged,
    unregisteredCredentials: unchanged,
    isSameRegistration: (stored, registeredWith) => META_REGISTRATION_KEYS.every((key) => stored[key] === registeredWith[key]),
    async register(api, url, credentials): Promise<RegistrationOutcome> {
      const appId = String(credentials.app_id);
      const graph = graphApi(api, credentials);
      const current = await graph.appSubscriptions(appId);
      if (!current.ok) return { webhook: failed(url, current.error) };
      const before = current.value.find((item) => item.object === subscription.object);
      const subscribed = await graph.subscribeApp(appId, {
        object: subscription.object,
        callbackUrl: url,
        verifyToken: String(credentials.verify_token),
        fields: subscription.fields,
      });
      if (!subscribed.ok) return { webhook: failed(url, subscribed.error) };
      const replaced =
        before && before.callback_url !== '' && before.callback_url !== url
          ? ` This replaced the app's previous ${subscription.object} callback URL ${before.callback_url}, which Meta no longer calls.`
          : '';
      return {
        webhook: {
          status: 'registered',
          url,
          registered_at: new Date().toISOString(),
          subscription_object: subscription.object,
          subscribed_fields: [...subscription.fields],
          note: `Meta verified this URL and sends the app's ${subscription.object} events for the subscribed fields to it. ${subscription.remainingStep}${replaced}`,
        },
      };
    },
    async unregister(api, credentials, url) {
      const appId = String(credentials.app_id);
      const graph = graphApi(api, credentials);
      const current = await graph.appSubscriptions(appId);
      if (!current.ok) return { ok: false, error: current.error };
      // Another channel (or tool) may have taken the app's callback URL since: that subscription is not ours to end.
      const ours = current.value.some((item) => item.object === subscription.object && item.callback_url === url);
      if (!ours) return { ok: true };
      const removed = await graph.unsubscribeApp(appId, subscription.object);
      return removed.ok ? { ok: true } : { ok: false, error: removed.error };
    },
    reconcileEveryMs: null,
  };
}

/** What differs between the Meta channels; the rest of their definitions is the same. */
export interface MetaChannelSetup<N extends string, C extends ChannelType> {
  name: N;
  channelType: C;
  /** Checks the channel's own optional credentials (the app secret, verify token and app credentials are common). */
  prepareOwnCredentials: (credentials: Credentials) => void;
  subscription: MetaAppSubscription;
  instructions: string;
  createAdapter: ProviderDefinition['createAdapter'];
}

/**
 * A channel whose app is subscribed through the Graph API when it carries `app_id` and `app_access_token`, and set up
 * by hand in the Meta App Dashboard otherwise; either way Meta checks the URL with a challenge first.
 */
export function metaPlatformProvider<N extends string, C extends ChannelType>(
  setup: MetaChannelSetup<N, C>,
): ProviderDefinition & { name: N; channelType: C } {
  return {
    name: setup.name,
    channelType: setup.channelType,
    credentialsProvider: null,
    credentials: {
      prepare(input) {
        const credentials = { ...input };
        requireString(credentials, 'app_secret');
        prepareVerifyToken(credentials);
        prepareMetaAppCredentials(credentials);
        setup.prepareOwnCredentials(credentials);
        return credentials;
      },
      serverOwnedKeys: [],
    },
    webhook: {
      kind: 'api_when_credentialed',
      usesApi: usesGraphApi,
      api: metaAppSubscriptionSetup(setup.subscription),
      manual: {
        kind: 'manual',
        instructions: (url, credentials) => ({
          status: 'manual',
          url,
          verify_token: credentials.verify_token,
          subscribe_fields: [...setup.subscription.fields],
          instructions: setup.instructions,
        }),
      },
    },
    // Another app: the old app's subscription is removed. A new token registers again in place.
    needsReregistration: (before, after) => before.app_id !== after.app_id,
    acceptedAnswer: JSON_ACCEPTED_ANSWER,
    verificationChallenge: META_SUBSCRIPTION_CHALLENGE,
    webhookBodyLimit: META_WEBHOOK_BODY_LIMIT,
    developmentFile: null,
    createAdapter: setup.createAdapter,
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messengerProvider } from '../messenger/messenger.provider';
import { mergeChannelCredentials, prepareChannelCredentials } from '../registry';
import { whatsappProvider } from '../whatsapp/whatsapp.provider';
import { CredentialsError, type Credentials } from './credential-rules';
import { GRAPH_API_VERSION } from './meta-graph-api';
import { META_SUBSCRIPTION_CHALLENGE } from './meta-platform';
import { webhookSetupFor, type ApiWebhookSetup, type ProviderApiAccess, type ProviderDefinition } from './provider-definition';
import { createProviderHttp } from './provider-http';
import { FakeGraphApi } from './testing/fake-graph-api';

const APP_ID = '1234567890123456';
const APP_ACCESS_TOKEN = `${APP_ID}|app-secret-of-the-test-app`;
const VERIFY_TOKEN = 'verify-token-of-the-channel';

/**
 * Stands in for the gateway's GET handshake route: answers Meta's verification request with the channel's
 * credentials through the same META_SUBSCRIPTION_CHALLENGE the gateway uses.
 */
class ChallengeResponder {
  url = '';
  credentials: Credentials = {};
  private server?: Server;

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const query = Object.fromEntries(new URL(request.url ?? '/', 'http://responder').searchParams);
      const challenge = META_SUBSCRIPTION_CHALLENGE.answer(query, this.credentials);
      response.writeHead(challenge === undefined ? 403 : 200, { 'content-type': 'text/plain' });
      response.end(challenge ?? '');
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function credentialsError(run: () => unknown): CredentialsError {
  try {
    run();
  } catch (error) {
    if (error instanceof CredentialsError) return error;
    throw error;
  }
  throw new Error('expected a CredentialsError');
}

describe.each([
  ['whatsapp', whatsappProvider, 'whatsapp_business_account', ['messages']],
  ['messenger', messengerProvider, 'page', ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads']],
] as Array<[string, ProviderDefinition, string, string[]]>)(
  '%s: the app subscription through the Graph API',
  (name, provider, object, fields) => {
    const channelUrl = `https://hooks.example.com/webhooks/${provider.channelType}/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b`;
    const credentials: Credentials = {
      app_secret: 'app-secret',
      verify_token: VERIFY_TOKEN,
      app_id: APP_ID,
      app_access_token: APP_ACCESS_TOKEN,
    };
    let graph: FakeGraphApi;
    let responder: ChallengeResponder;
    let api: ProviderApiAccess;
    let setup: ApiWebhookSetup;

    beforeEach(async () => {
      responder = new ChallengeResponder();
      await responder.start();
      responder.credentials = credentials;
      // The public callback URL reaches the responder, as a tunnel would.
      graph = new FakeGraphApi({ reachCallback: (url) => url.replace('https://hooks.example.com', responder.url) });
      await graph.start();
      graph.addApp(APP_ID, APP_ACCESS_TOKEN);
      api = { baseUrl: graph.url, http: createProviderHttp() };
      const chosen = webhookSetupFor(provider.webhook, credentials);
      if (chosen.kind !== 'api') throw new Error('expected registration through the API');
      setup = chosen;
    });

    afterEach(async () => {
      await graph.stop();
      await responder.stop();
    });

    describe('credentials', () => {
      it('manual without the app credentials, through the API with both', () => {
        expect(webhookSetupFor(provider.webhook, { app_secret: 's', verify_token: VERIFY_TOKEN }).kind).toBe('manual');
        expect(webhookSetupFor(provider.webhook, credentials).kind).toBe('api');
      });

      it('takes both or neither, naming the missing one; app_id is digits; null removes them', () => {
        const base = { app_secret: 's' };
        expect(credentialsError(() => prepareChannelCredentials(provider.channelType, { ...base, app_id: APP_ID })).field).toBe(
          'credentials.app_access_token',
        );
        expect(
          credentialsError(() => prepareChannelCredentials(provider.channelType, { ...base, app_access_token: APP_ACCESS_TOKEN })).field,
        ).toBe('credentials.app_id');
        expect(
          credentialsError(() =>
            prepareChannelCredentials(provider.channelType, { ...base, app_id: 'my-app', app_access_token: APP_ACCESS_TOKEN }),
          ).field,
        ).toBe('credentials.app_id');
        expect(mergeChannelCredentials(provider.channelType, credentials, { app_id: null, app_access_token: null })).toEqual({
          app_secret: 'app-secret',
          verify_token: VERIFY_TOKEN,
        });
      });

      it('another app replaces the registration; a new token or verify token registers again in place', () => {
        expect(provider.needsReregistration(credentials, { ...credentials, app_id: '999' })).toBe(true);
        expect(provider.needsReregistration(credentials, { ...credentials, app_access_token: `${APP_ID}|another` })).toBe(false);
        expect(provider.needsReregistration(credentials, { ...credentials, verify_token: 'another-verify-token' })).toBe(false);
      });
    });

    it(`subscribes the app to ${name}'s fields after Meta's handshake, with the token as a Bearer header`, async () => {
      const { webhook, credentials: stored } = await setup.register(api, channelUrl, credentials);
      expect(webhook).toEqual({
        status: 'registered',
        url: channelUrl,
        registered_at: expect.any(String),
        subscription_object: object,
        subscribed_fields: fields,
        note: expect.stringContaining('subscribed_apps'),
      });
      expect(stored).toBeUndefined();
      expect(graph.subscription(APP_ID, object)).toEqual({ callback_url: channelUrl, verify_token: VERIFY_TOKEN, fields, active: true });
      expect(graph.callsOf('POST')).toEqual([
        {
          method: 'POST',
          path: `/${GRAPH_API_VERSION}/${APP_ID}/subscriptions`,
          appId: APP_ID,
          params: { object, callback_url: channelUrl, verify_token: VERIFY_TOKEN, fields: fields.join(',') },
        },
      ]);
      // Meta called the channel's URL with the verify token and got its challenge back.
      expect(graph.handshakes).toHaveLength(1);
      const [handshake] = graph.handshakes;
      expect(handshake).toMatchObject({ callbackUrl: channelUrl, verifyToken: VERIFY_TOKEN, status: 200 });
      expect(handshake.body).toBe(handshake.challenge);
    });

    it('registering again leaves the subscription as it was', async () => {
      await setup.register(api, channelUrl, credentials);
      const before = graph.subscription(APP_ID, object);
      expect((await setup.register(api, channelUrl, credentials)).webhook.status).toBe('registered');
      expect(graph.subscription(APP_ID, object)).toEqual(before);
    });

    it("a refusal is failed with Graph's error.message, and a retry succeeds", async () => {
      graph.refuseNextSubscribe('(#200) The app must be in live mode to subscribe to this object', 200);
      const refused = await setup.register(api, channelUrl, credentials);
      expect(refused.webhook).toEqual({
        status: 'failed',
        url: channelUrl,
        error: '(#200) The app must be in live mode to subscribe to this object',
        failed_at: expect.any(String),
      });
      expect(graph.subscription(APP_ID, object)).toBeUndefined();
      expect((await setup.register(api, channelUrl, credentials)).webhook.status).toBe('registered');
      expect(graph.subscription(APP_ID, object)?.callback_url).toBe(channelUrl);
    });

    it('fails when the callback does not echo the challenge (the URL holds another verify token)', async () => {
      responder.credentials = { ...credentials, verify_token: 'the-token-the-url-expects' };
      const { webhook } = await setup.register(api, channelUrl, credentials);
      expect(webhook).toMatchObject({ status: 'failed', error: expect.stringContaining('(#2200) callback verification failed') });
      expect(graph.handshakes.map((handshake) => handshake.status)).toEqual([403]);
      expect(graph.subscription(APP_ID, object)).toBeUndefined();
    });

    it("a wrong app access token fails with Graph's words", async () => {
      const { webhook } = await setup.register(api, channelUrl, { ...credentials, app_access_token: `${APP_ID}|wrong` });
      expect(webhook).toMatchObject({ status: 'failed', error: 'Invalid OAuth access token - Cannot parse access token' });
    });

    it("says so when it replaced the app's callback URL for the object", async () => {
      graph.setSubscription(APP_ID, object, { callback_url: 'https://old.example.com/meta', verify_token: 'old', fields, active: true });
      const { webhook } = await setup.register(api, channelUrl, credentials);
      expect(webhook).toMatchObject({ status: 'registered', note: expect.stringContaining('https://old.example.com/meta') });
    });

    it("unregister deletes the object's subscription while it is ours, and leaves one pointing elsewhere", async () => {
      await setup.register(api, channelUrl, credentials);
      await expect(setup.unregister(api, credentials, channelUrl)).resolves.toEqual({ ok: true });
      expect(graph.subscription(APP_ID, object)).toBeUndefined();
      expect(graph.callsOf('DELETE').map((call) => call.params)).toEqual([{ object }]);

      graph.setSubscription(APP_ID, object, {
        callback_url: 'https://other.example.com/meta',
        verify_token: 'other',
        fields,
        active: true,
      });
      await expect(setup.unregister(api, credentials, channelUrl)).resolves.toEqual({ ok: true });
      expect(graph.subscription(APP_ID, object)?.callback_url).toBe('https://other.example.com/meta');
      expect(graph.callsOf('DELETE')).toHaveLength(1);
    });

    it('unregister reports a refusal', async () => {
      await expect(setup.unregister(api, { ...credentials, app_access_token: 'wrong' }, channelUrl)).resolves.toEqual({
        ok: false,
        error: 'Invalid OAuth access token - Cannot parse access token',
      });
    });
  },
);

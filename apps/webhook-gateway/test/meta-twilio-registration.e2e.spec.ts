import { FakeGraphApi, FakeTwilioApi } from '@inbound/adapters/testing';
import { randomBytes, randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNT_ID, migratedDataSource, startGateway, type RunningGateway, adminApi, type Json } from './support/gateway-harness';

/**
 * Registration through Twilio's API and the Graph API, end to end: the admin API of a running gateway against local
 * fakes of both. The fake Graph API verifies a callback as Meta does, by calling the gateway's GET handshake route.
 */

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
/** The public origin the gateway builds webhook URLs on (startGateway's WEBHOOK_BASE_URL). */
const PUBLIC_ORIGIN = 'https://hooks.example.test';

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const appId = () => String(randomInt(10 ** 12, 10 ** 14));

describe('webhook registration through the Twilio and Graph APIs', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let twilio: FakeTwilioApi;
  let graph: FakeGraphApi;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    twilio = new FakeTwilioApi();
    await twilio.start();
    // Meta reaches the public URL; here the public origin is a tunnel to the gateway under test.
    graph = new FakeGraphApi({ reachCallback: (url) => url.replace(PUBLIC_ORIGIN, gateway.baseUrl) });
    await graph.start();
    gateway = await startGateway({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      WEBHOOK_BASE_URL: PUBLIC_ORIGIN,
      TWILIO_API_BASE_URL: twilio.url,
      GRAPH_API_BASE_URL: graph.url,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await graph?.stop();
    await twilio?.stop();
    await dataSource?.destroy();
  });

  const api = adminApi(() => gateway, ADMIN_TOKEN);
  const create = (channel_type: string, credentials: Json) =>
    api('POST', '/channels', { account_id: ACCOUNT_ID, channel_type, name: `${channel_type} channel`, credentials });
  const patch = (id: string, body: Json) => api('PATCH', `/channels/${id}`, body);
  const registerWebhook = (id: string) => api('POST', `/channels/${id}/register-webhook`);

  describe('Twilio SMS', () => {
    let accountSid: string;
    let authToken: string;

    beforeEach(() => {
      accountSid = sid('AC');
      authToken = randomBytes(16).toString('hex');
      twilio.addAccount(accountSid, authToken);
    });

    const writesTo = (resourceSid: string) => twilio.writes().filter((call) => call.path.includes(resourceSid));

    it('without a number or Messaging Service the answer stays manual, and Twilio is not called', async () => {
      const calls = twilio.calls.length;
      const { status, body } = await create('sms', { account_sid: accountSid, auth_token: authToken });
      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({ status: 'manual', incoming_message_url: body.webhook_url, http_method: 'POST' });
      expect(twilio.calls).toHaveLength(calls);
    });

    it('a number: registered on create, exactly our URL at Twilio, and register-webhook twice changes nothing', async () => {
      const numberSid = sid('PN');
      twilio.addPhoneNumber(accountSid, numberSid, { sms_url: 'https://demo.twilio.com/welcome/sms/reply', sms_method: 'GET' });
      const { status, body } = await create('sms', { account_sid: accountSid, auth_token: authToken, phone_number_sid: numberSid });
      expect(status).toBe(201);
      expect(body.webhook).toEqual({
        status: 'registered',
        url: body.webhook_url,
        registered_at: expect.any(String),
        status_callback_url: body.webhook_url,
        note: expect.stringContaining('StatusCallback'),
      });
      expect(body.webhook_url).toBe(`${PUBLIC_ORIGIN}/webhooks/sms/${body.id}`);
      const registered = twilio.phoneNumber(numberSid);
      expect(registered).toEqual({
        sid: numberSid,
        account_sid: accountSid,
        phone_number: '+15005550006',
        sms_url: body.webhook_url,
        sms_method: 'POST',
        sms_application_sid: null,
      });
      expect(writesTo(numberSid)).toHaveLength(1);

      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered', url: body.webhook_url } });
      }
      expect(twilio.phoneNumber(numberSid)).toEqual(registered);
      expect(writesTo(numberSid)).toHaveLength(1);
    });

    it('a new auth token registers again with it; another number moves the registration there', async () => {
      const numberSid = sid('PN');
      const otherSid = sid('PN');
      twilio.addPhoneNumber(accountSid, numberSid);
      twilio.addPhoneNumber(accountSid, otherSid);
      const { body } = await create('sms', { account_sid: accountSid, auth_token: authToken, phone_number_sid: numberSid });
      expect(body.webhook.status).toBe('registered');

      // Twilio's secondary token promoted: the old one stops working at once.
      const newToken = randomBytes(16).toString('hex');
      twilio.changeAuthToken(accountSid, newToken);
      const calls = twilio.calls.length;
      const rotated = await patch(body.id, { credentials: { auth_token: newToken } });
      expect(rotated).toMatchObject({ status: 200, body: { webhook: { status: 'registered' } } });
      // Answered by the fake only because the new token was sent: it knows no other.
      expect(twilio.calls.slice(calls).map((call) => `${call.method} ${call.path}`)).toEqual([
        `GET /2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${numberSid}.json`,
      ]);
      expect(twilio.phoneNumber(numberSid)?.sms_url).toBe(body.webhook_url);

      const moved = await patch(body.id, { credentials: { phone_number_sid: otherSid } });
      expect(moved).toMatchObject({ status: 200, body: { webhook: { status: 'registered' } } });
      expect(twilio.phoneNumber(numberSid)?.sms_url).toBe('');
      expect(twilio.phoneNumber(otherSid)).toMatchObject({ sms_url: body.webhook_url, sms_method: 'POST' });
    });

    it("deactivating clears the number's URL; reactivating sets it again", async () => {
      const numberSid = sid('PN');
      twilio.addPhoneNumber(accountSid, numberSid);
      const { body } = await create('sms', { account_sid: accountSid, auth_token: authToken, phone_number_sid: numberSid });

      const deactivated = await patch(body.id, { is_active: false });
      expect(deactivated.body.webhook).toEqual({ status: 'unregistered', url: body.webhook_url, unregistered_at: expect.any(String) });
      expect(twilio.phoneNumber(numberSid)?.sms_url).toBe('');

      expect((await patch(body.id, { is_active: true })).body.webhook.status).toBe('registered');
      expect(twilio.phoneNumber(numberSid)?.sms_url).toBe(body.webhook_url);
    });

    it("a refusal leaves failed with Twilio's message; register-webhook retries and succeeds", async () => {
      const numberSid = sid('PN');
      const { status, body } = await create('sms', { account_sid: accountSid, auth_token: authToken, phone_number_sid: numberSid });
      expect(status).toBe(201);
      expect(body.webhook).toEqual({
        status: 'failed',
        url: body.webhook_url,
        error: `The requested resource /2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${numberSid}.json was not found`,
        failed_at: expect.any(String),
      });
      expect((await api('GET', `/channels/${body.id}`)).body.webhook.status).toBe('failed');

      // The number is ported into the account; the operator retries.
      twilio.addPhoneNumber(accountSid, numberSid);
      expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
      expect(twilio.phoneNumber(numberSid)?.sms_url).toBe(body.webhook_url);
    });

    it('a Messaging Service: registered on create; removing it from the credentials clears it and answers manual', async () => {
      const serviceSid = sid('MG');
      twilio.addMessagingService(accountSid, serviceSid);
      const { body } = await create('sms', { account_sid: accountSid, auth_token: authToken, messaging_service_sid: serviceSid });
      expect(body.webhook).toMatchObject({ status: 'registered', url: body.webhook_url });
      expect(twilio.messagingService(serviceSid)).toMatchObject({ inbound_request_url: body.webhook_url, inbound_method: 'POST' });

      const manual = await patch(body.id, { credentials: { messaging_service_sid: null } });
      expect(manual.body.webhook).toMatchObject({ status: 'manual', incoming_message_url: body.webhook_url });
      expect(twilio.messagingService(serviceSid)?.inbound_request_url).toBeNull();
    });
  });

  describe.each([
    ['whatsapp', 'whatsapp_business_account', ['messages']],
    ['messenger', 'page', ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads']],
  ])('%s', (channelType, object, fields) => {
    const appSecret = 'meta-app-secret';
    let app: string;
    let appToken: string;

    beforeEach(() => {
      app = appId();
      appToken = `${app}|${randomBytes(12).toString('hex')}`;
      graph.addApp(app, appToken);
    });

    const handshakesFor = (url: string) => graph.handshakes.filter((handshake) => handshake.callbackUrl === url);
    const createWithApp = (extra: Json = {}) =>
      create(channelType, { app_secret: appSecret, app_id: app, app_access_token: appToken, ...extra });

    it('without app_id and app_access_token the answer stays manual, and Meta is not called', async () => {
      const calls = graph.calls.length;
      const { body } = await create(channelType, { app_secret: appSecret });
      expect(body.webhook).toMatchObject({ status: 'manual', url: body.webhook_url, subscribe_fields: fields });
      expect(typeof body.webhook.verify_token).toBe('string');
      expect(graph.calls).toHaveLength(calls);
    });

    it("registered on create after Meta's handshake with the running gateway; register-webhook twice changes nothing", async () => {
      const { status, body } = await createWithApp({ verify_token: 'my-own-verify-token' });
      expect(status).toBe(201);
      expect(body.webhook).toEqual({
        status: 'registered',
        url: body.webhook_url,
        registered_at: expect.any(String),
        subscription_object: object,
        subscribed_fields: fields,
        note: expect.any(String),
      });
      const subscribed = graph.subscription(app, object);
      expect(subscribed).toEqual({ callback_url: body.webhook_url, verify_token: 'my-own-verify-token', fields, active: true });
      // The gateway's GET route answered Meta's verification request with its challenge.
      const [handshake] = handshakesFor(body.webhook_url);
      expect(handshake).toMatchObject({ verifyToken: 'my-own-verify-token', status: 200 });
      expect(handshake.body).toBe(handshake.challenge);

      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
      }
      expect(graph.subscription(app, object)).toEqual(subscribed);
      expect(handshakesFor(body.webhook_url).every((each) => each.status === 200 && each.body === each.challenge)).toBe(true);
    });

    it('a new verify token or app token registers again with it; another app moves the subscription there', async () => {
      const { body } = await createWithApp();
      expect(body.webhook.status).toBe('registered');

      const retokened = await patch(body.id, { credentials: { verify_token: 'a-new-verify-token' } });
      expect(retokened.body.webhook.status).toBe('registered');
      expect(graph.subscription(app, object)?.verify_token).toBe('a-new-verify-token');
      // The gateway already held the new token when Meta checked it.
      expect(handshakesFor(body.webhook_url).at(-1)).toMatchObject({ verifyToken: 'a-new-verify-token', status: 200 });

      const newAppToken = `${app}|${randomBytes(12).toString('hex')}`;
      graph.addApp(app, newAppToken);
      expect((await patch(body.id, { credentials: { app_access_token: newAppToken } })).body.webhook.status).toBe('registered');

      const otherApp = appId();
      const otherToken = `${otherApp}|${randomBytes(12).toString('hex')}`;
      graph.addApp(otherApp, otherToken);
      const moved = await patch(body.id, { credentials: { app_id: otherApp, app_access_token: otherToken } });
      expect(moved.body.webhook.status).toBe('registered');
      expect(graph.subscription(app, object)).toBeUndefined();
      expect(graph.subscription(otherApp, object)).toMatchObject({ callback_url: body.webhook_url, verify_token: 'a-new-verify-token' });
    });

    it("deactivating removes the app's subscription; the GET handshake then answers 404", async () => {
      const { body } = await createWithApp({ verify_token: 'deactivated-verify-token' });
      expect(graph.subscription(app, object)?.callback_url).toBe(body.webhook_url);

      const deactivated = await patch(body.id, { is_active: false });
      expect(deactivated.body.webhook).toEqual({ status: 'unregistered', url: body.webhook_url, unregistered_at: expect.any(String) });
      expect(graph.subscription(app, object)).toBeUndefined();
      const handshake = await fetch(
        `${gateway.baseUrl}/webhooks/${channelType}/${body.id}?hub.mode=subscribe&hub.verify_token=deactivated-verify-token&hub.challenge=5`,
      );
      expect(handshake.status).toBe(404);
    });

    it("a refusal leaves failed with Graph's error.message; register-webhook retries and succeeds", async () => {
      graph.refuseNextSubscribe('(#200) Application does not have permission for this action', 200);
      const { body } = await createWithApp();
      expect(body.webhook).toEqual({
        status: 'failed',
        url: body.webhook_url,
        error: '(#200) Application does not have permission for this action',
        failed_at: expect.any(String),
      });
      expect(graph.subscription(app, object)).toBeUndefined();

      expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
      expect(graph.subscription(app, object)?.callback_url).toBe(body.webhook_url);
    });
  });
});

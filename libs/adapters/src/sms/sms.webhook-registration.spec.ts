import { mergeChannelCredentials, prepareChannelCredentials } from '../registry';
import { CredentialsError } from '../shared/credential-rules';
import { webhookSetupFor, type ApiWebhookSetup, type ProviderApiAccess } from '../shared/provider-definition';
import { createProviderHttp } from '../shared/provider-http';
import { smsProvider } from './sms.provider';
import { twilioProductOrigin } from './sms.twilio-api';
import { FakeTwilioApi } from './testing/fake-twilio-api';

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'twilio-auth-token-one';
const NUMBER_SID = `PN${'b2'.repeat(16)}`;
const SERVICE_SID = `MG${'c3'.repeat(16)}`;
const URL_OF_CHANNEL = 'https://hooks.example.com/webhooks/sms/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';

const numberCredentials = { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN, phone_number_sid: NUMBER_SID };
const serviceCredentials = { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN, messaging_service_sid: SERVICE_SID };

function apiSetup(credentials: Record<string, unknown>): ApiWebhookSetup {
  const setup = webhookSetupFor(smsProvider.webhook, credentials);
  if (setup.kind !== 'api') throw new Error('expected registration through the API');
  return setup;
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

describe('Twilio SMS: which channels are registered through the API', () => {
  it('manual without a number or Messaging Service, through the API with either', () => {
    expect(webhookSetupFor(smsProvider.webhook, { account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN }).kind).toBe('manual');
    expect(webhookSetupFor(smsProvider.webhook, numberCredentials).kind).toBe('api');
    expect(webhookSetupFor(smsProvider.webhook, serviceCredentials).kind).toBe('api');
  });

  it('checks the SIDs, refuses both at once naming the field, and null removes one through a PATCH', () => {
    expect(credentialsError(() => prepareChannelCredentials('sms', { ...numberCredentials, phone_number_sid: 'PN1' })).field).toBe(
      'credentials.phone_number_sid',
    );
    expect(credentialsError(() => prepareChannelCredentials('sms', { ...serviceCredentials, messaging_service_sid: 'MGxyz' })).field).toBe(
      'credentials.messaging_service_sid',
    );
    expect(
      credentialsError(() => prepareChannelCredentials('sms', { ...numberCredentials, messaging_service_sid: SERVICE_SID })).field,
    ).toBe('credentials.messaging_service_sid');
    expect(mergeChannelCredentials('sms', numberCredentials, { phone_number_sid: null, messaging_service_sid: SERVICE_SID })).toEqual(
      serviceCredentials,
    );
    expect(mergeChannelCredentials('sms', numberCredentials, { phone_number_sid: null })).toEqual({
      account_sid: ACCOUNT_SID,
      auth_token: AUTH_TOKEN,
    });
  });

  it('a new account, number or service replaces the registration; a new auth token registers again in place', () => {
    const { needsReregistration } = smsProvider;
    expect(needsReregistration(numberCredentials, { ...numberCredentials, phone_number_sid: `PN${'d4'.repeat(16)}` })).toBe(true);
    expect(needsReregistration(numberCredentials, serviceCredentials)).toBe(true);
    expect(needsReregistration(numberCredentials, { ...numberCredentials, account_sid: `AC${'e5'.repeat(16)}` })).toBe(true);
    expect(needsReregistration(numberCredentials, { ...numberCredentials, auth_token: 'twilio-auth-token-two' })).toBe(false);
  });

  it("finds the Messaging API on its own host for Twilio's origins, on the same origin for any other", () => {
    expect(twilioProductOrigin('https://api.twilio.com', 'messaging')).toBe('https://messaging.twilio.com');
    expect(twilioProductOrigin('https://api.dublin.ie1.twilio.com/', 'messaging')).toBe('https://messaging.dublin.ie1.twilio.com');
    expect(twilioProductOrigin('http://127.0.0.1:4010', 'messaging')).toBe('http://127.0.0.1:4010');
    expect(twilioProductOrigin('https://api.twilio.com.example.org', 'messaging')).toBe('https://api.twilio.com.example.org');
  });
});

describe('Twilio SMS registration against a fake Twilio API', () => {
  let twilio: FakeTwilioApi;
  let api: ProviderApiAccess;

  beforeEach(async () => {
    twilio = new FakeTwilioApi();
    await twilio.start();
    twilio.addAccount(ACCOUNT_SID, AUTH_TOKEN);
    twilio.addPhoneNumber(ACCOUNT_SID, NUMBER_SID, { sms_url: 'https://demo.twilio.com/welcome/sms/reply', sms_method: 'GET' });
    twilio.addMessagingService(ACCOUNT_SID, SERVICE_SID);
    api = { baseUrl: twilio.url, http: createProviderHttp() };
  });

  afterEach(() => twilio.stop());

  describe('a phone number', () => {
    const setup = apiSetup(numberCredentials);

    it('sets SmsUrl and SmsMethod POST with Basic auth, and says status callbacks are set per message', async () => {
      const { webhook, credentials } = await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      expect(webhook).toEqual({
        status: 'registered',
        url: URL_OF_CHANNEL,
        registered_at: expect.any(String),
        status_callback_url: URL_OF_CHANNEL,
        note: expect.stringContaining('StatusCallback'),
      });
      expect(credentials).toBeUndefined();
      expect(twilio.phoneNumber(NUMBER_SID)).toMatchObject({ sms_url: URL_OF_CHANNEL, sms_method: 'POST' });
      expect(twilio.writes()).toEqual([
        {
          method: 'POST',
          path: `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers/${NUMBER_SID}.json`,
          accountSid: ACCOUNT_SID,
          form: { SmsUrl: URL_OF_CHANNEL, SmsMethod: 'POST' },
        },
      ]);
    });

    it('registering again reads the number and writes nothing', async () => {
      await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      const callsBefore = twilio.calls.length;
      const again = await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      expect(again.webhook.status).toBe('registered');
      expect(twilio.calls.slice(callsBefore).map((call) => call.method)).toEqual(['GET']);
      expect(twilio.writes()).toHaveLength(1);
    });

    it("a refusal is failed with Twilio's message, and a retry succeeds", async () => {
      twilio.refuseNextWrite('The requested phone number is not SMS capable', 21606);
      const refused = await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      expect(refused.webhook).toEqual({
        status: 'failed',
        url: URL_OF_CHANNEL,
        error: 'The requested phone number is not SMS capable',
        failed_at: expect.any(String),
      });
      expect(twilio.phoneNumber(NUMBER_SID)?.sms_url).toBe('https://demo.twilio.com/welcome/sms/reply');
      expect((await setup.register(api, URL_OF_CHANNEL, numberCredentials)).webhook.status).toBe('registered');
      expect(twilio.phoneNumber(NUMBER_SID)?.sms_url).toBe(URL_OF_CHANNEL);
    });

    it("a number the account does not have, and a wrong auth token, fail with Twilio's words", async () => {
      const missing = `PN${'f6'.repeat(16)}`;
      const absent = await setup.register(api, URL_OF_CHANNEL, { ...numberCredentials, phone_number_sid: missing });
      expect(absent.webhook).toMatchObject({
        status: 'failed',
        error: `The requested resource /2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers/${missing}.json was not found`,
      });
      const unauthorised = await setup.register(api, URL_OF_CHANNEL, { ...numberCredentials, auth_token: 'wrong-token' });
      expect(unauthorised.webhook).toMatchObject({ status: 'failed', error: 'Authenticate' });
      expect(twilio.writes()).toEqual([]);
    });

    it('refuses to count as registered a number whose messages a TwiML App takes', async () => {
      twilio.addPhoneNumber(ACCOUNT_SID, NUMBER_SID, { sms_application_sid: `AP${'0'.repeat(32)}` });
      const { webhook } = await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      expect(webhook).toMatchObject({ status: 'failed', error: expect.stringContaining(`AP${'0'.repeat(32)}`) });
      expect(twilio.writes()).toEqual([]);
    });

    it('unregister clears the URL while it is ours, and leaves one pointing elsewhere', async () => {
      await setup.register(api, URL_OF_CHANNEL, numberCredentials);
      await expect(setup.unregister(api, numberCredentials, URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
      expect(twilio.phoneNumber(NUMBER_SID)?.sms_url).toBe('');
      expect(twilio.writes().at(-1)?.form).toEqual({ SmsUrl: '' });

      twilio.addPhoneNumber(ACCOUNT_SID, NUMBER_SID, { sms_url: 'https://elsewhere.example.com/sms' });
      const writes = twilio.writes().length;
      await expect(setup.unregister(api, numberCredentials, URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
      expect(twilio.phoneNumber(NUMBER_SID)?.sms_url).toBe('https://elsewhere.example.com/sms');
      expect(twilio.writes()).toHaveLength(writes);
    });

    it('an unreachable API fails the registration without throwing', async () => {
      const unreachable = { baseUrl: 'http://127.0.0.1:9', http: createProviderHttp() }; // the discard port: nothing listens
      const { webhook } = await setup.register(unreachable, URL_OF_CHANNEL, numberCredentials);
      expect(webhook).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Twilio could not be reached: /) });
      expect(JSON.stringify(webhook)).not.toContain(AUTH_TOKEN);
    });
  });

  describe('a Messaging Service', () => {
    const setup = apiSetup(serviceCredentials);

    it('sets InboundRequestUrl and InboundMethod POST on Messaging v1, once', async () => {
      const first = await setup.register(api, URL_OF_CHANNEL, serviceCredentials);
      expect(first.webhook).toMatchObject({ status: 'registered', status_callback_url: URL_OF_CHANNEL });
      expect(twilio.messagingService(SERVICE_SID)).toMatchObject({ inbound_request_url: URL_OF_CHANNEL, inbound_method: 'POST' });
      expect(twilio.writes()).toEqual([
        {
          method: 'POST',
          path: `/v1/Services/${SERVICE_SID}`,
          accountSid: ACCOUNT_SID,
          form: { InboundRequestUrl: URL_OF_CHANNEL, InboundMethod: 'POST' },
        },
      ]);
      expect((await setup.register(api, URL_OF_CHANNEL, serviceCredentials)).webhook.status).toBe('registered');
      expect(twilio.writes()).toHaveLength(1);
    });

    it('says when numbers of the service keep URLs of their own', async () => {
      twilio.addMessagingService(ACCOUNT_SID, SERVICE_SID, { use_inbound_webhook_on_number: true });
      const { webhook } = await setup.register(api, URL_OF_CHANNEL, serviceCredentials);
      expect(webhook).toMatchObject({ status: 'registered', note: expect.stringContaining('use_inbound_webhook_on_number') });
    });

    it('unregister clears the URL while it is ours, and leaves one pointing elsewhere', async () => {
      await setup.register(api, URL_OF_CHANNEL, serviceCredentials);
      await expect(setup.unregister(api, serviceCredentials, URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
      expect(twilio.messagingService(SERVICE_SID)?.inbound_request_url).toBeNull();

      twilio.addMessagingService(ACCOUNT_SID, SERVICE_SID, { inbound_request_url: 'https://elsewhere.example.com/sms' });
      await expect(setup.unregister(api, serviceCredentials, URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
      expect(twilio.messagingService(SERVICE_SID)?.inbound_request_url).toBe('https://elsewhere.example.com/sms');
    });

    it("unregister reports Twilio's refusal", async () => {
      await setup.register(api, URL_OF_CHANNEL, serviceCredentials);
      twilio.refuseNextWrite('Service is locked', 21710);
      await expect(setup.unregister(api, serviceCredentials, URL_OF_CHANNEL)).resolves.toEqual({ ok: false, error: 'Service is locked' });
    });
  });
});

import { prepareChannelCredentials } from '../registry';
import { createProviderHttp } from '../shared/provider-http';
import { apiSetupOf, webhookSetupFor, type ProviderApiAccess } from '../shared/provider-definition';
import { refusedCredentialField, specChannel, SPEC_RECEIVED_AT } from '../shared/testing/adapter-spec-support';
import { createPostmarkAdapter } from './postmark.adapter';
import { postmarkProvider } from './postmark.provider';
import { POSTMARK_SUBSCRIBED_TRIGGERS } from './postmark.types';
import { registerPostmarkWebhook, unregisterPostmarkWebhook } from './postmark.webhooks-api';
import { FakePostmarkApi } from './testing/fake-postmark-api';

const SERVER_TOKEN = 'b7e1c3a9-4f2d-4e8b-9a6c-1d5f7e3b2a90';
const URL = 'https://hooks.example.test/webhooks/email/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';
const OTHER_URL = 'https://elsewhere.example.test/postmark';
const credentials = {
  provider: 'postmark',
  server_token: SERVER_TOKEN,
  basic_auth_username: 'hooks-user',
  basic_auth_password: 'a-long-random-password',
};

describe('Postmark webhook registration through its API', () => {
  let postmark: FakePostmarkApi;
  let api: ProviderApiAccess;

  beforeEach(async () => {
    postmark = new FakePostmarkApi([SERVER_TOKEN]);
    await postmark.start();
    api = { baseUrl: postmark.url, http: createProviderHttp() };
  });

  afterEach(() => postmark.stop());

  const ours = () => postmark.webhooks(SERVER_TOKEN).filter((webhook) => webhook.Url === URL);
  const enabledTriggers = () =>
    Object.entries(ours()[0].Triggers)
      .filter(([, options]) => options.Enabled)
      .map(([trigger]) => trigger)
      .sort();

  it("creates one webhook on the outbound stream with the channel's Basic credentials and the triggers the parser maps", async () => {
    const outcome = await registerPostmarkWebhook(api, URL, credentials);

    expect(outcome.webhook).toMatchObject({ status: 'registered', url: URL });
    expect(outcome.credentials).toEqual({});
    expect(ours()).toHaveLength(1);
    expect(ours()[0]).toMatchObject({
      MessageStream: 'outbound',
      HttpAuth: { Username: 'hooks-user', Password: 'a-long-random-password' },
    });
    expect(enabledTriggers()).toEqual([...POSTMARK_SUBSCRIBED_TRIGGERS].sort());
    for (const call of postmark.calls) expect(call.headers['x-postmark-server-token']).toBe(SERVER_TOKEN);
  });

  it('changes nothing at Postmark when run again', async () => {
    await registerPostmarkWebhook(api, URL, credentials);
    const changes = postmark.changingCalls().length;

    await registerPostmarkWebhook(api, URL, credentials);

    expect(postmark.changingCalls()).toHaveLength(changes);
    expect(ours()).toHaveLength(1);
  });

  it('sets new Basic credentials and turned-off triggers back on the same webhook, and removes duplicates', async () => {
    const existing = postmark.addWebhook(SERVER_TOKEN, {
      Url: URL,
      HttpAuth: { Username: 'old', Password: 'old' },
      Triggers: { Delivery: { Enabled: true } },
    });
    postmark.addWebhook(SERVER_TOKEN, { Url: URL });
    const others = postmark.addWebhook(SERVER_TOKEN, { Url: OTHER_URL, Triggers: { Open: { Enabled: true } } });

    await registerPostmarkWebhook(api, URL, credentials);

    expect(ours()).toEqual([
      expect.objectContaining({ ID: existing.ID, HttpAuth: { Username: 'hooks-user', Password: 'a-long-random-password' } }),
    ]);
    expect(enabledTriggers()).toEqual([...POSTMARK_SUBSCRIBED_TRIGGERS].sort());
    expect(postmark.webhooks(SERVER_TOKEN)).toContainEqual(others);
  });

  it("ends failed with Postmark's message when it refuses", async () => {
    postmark.refuseNext('POST', 'You have reached the limit of 10 webhooks for this message stream.', 422);
    expect((await registerPostmarkWebhook(api, URL, credentials)).webhook).toMatchObject({
      status: 'failed',
      error: 'You have reached the limit of 10 webhooks for this message stream.',
    });
    expect((await registerPostmarkWebhook(api, URL, { ...credentials, server_token: 'not-a-server' })).webhook).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('The Server Token you provided in the X-Postmark-Server-Token request header was invalid'),
    });
  });

  it('unregister removes our webhook only', async () => {
    const others = postmark.addWebhook(SERVER_TOKEN, { Url: OTHER_URL });
    await registerPostmarkWebhook(api, URL, credentials);

    await expect(unregisterPostmarkWebhook(api, credentials, URL)).resolves.toEqual({ ok: true });
    expect(postmark.webhooks(SERVER_TOKEN)).toEqual([others]);
  });
});

describe('Postmark credentials', () => {
  it('takes a server token instead of Basic credentials, which are then made before Postmark is told them', () => {
    const withToken = { provider: 'postmark', server_token: SERVER_TOKEN };
    expect(prepareChannelCredentials('email', withToken)).toEqual(withToken);
    expect(refusedCredentialField('email', { provider: 'postmark' })).toBe('credentials.basic_auth_username');
    expect(refusedCredentialField('email', { ...withToken, basic_auth_username: 'a:b' })).toBe('credentials.basic_auth_username');

    const setup = apiSetupOf(postmarkProvider.webhook);
    const filled = setup?.registrationCredentials(withToken, false, new Date()) ?? {};
    expect(filled).toMatchObject({ basic_auth_username: expect.stringMatching(/^[^:]+$/), basic_auth_password: expect.any(String) });
    expect(String(filled.basic_auth_password).length).toBeGreaterThanOrEqual(32);
    // Kept on every later registration; the caller's own are used as given.
    expect(setup?.registrationCredentials(filled, true, new Date())).toBe(filled);
    expect(setup?.registrationCredentials(credentials, false, new Date())).toBe(credentials);
    expect(setup?.isSameRegistration(filled, { ...filled, basic_auth_password: 'other' })).toBe(false);
  });

  it('is registered through the API only with a server token; a new token moves the registration, new Basic credentials do not', () => {
    expect(webhookSetupFor(postmarkProvider.webhook, { ...credentials, server_token: undefined }).kind).toBe('manual');
    expect(webhookSetupFor(postmarkProvider.webhook, credentials).kind).toBe('api');
    expect(postmarkProvider.needsReregistration(credentials, { ...credentials, server_token: 'another' })).toBe(true);
    expect(postmarkProvider.needsReregistration(credentials, { ...credentials, basic_auth_password: 'another' })).toBe(false);
  });

  it.each([...POSTMARK_SUBSCRIBED_TRIGGERS])('subscribes to %s, which the parser turns into a status', (recordType) => {
    const adapter = createPostmarkAdapter({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    const record = {
      RecordType: recordType,
      MessageID: 'm1',
      Recipient: 'a@example.com',
      Email: 'a@example.com',
      ID: 1,
      Type: 'HardBounce',
      TypeCode: 1,
    };
    const result = adapter.parse(
      { method: 'POST', url: URL, headers: {}, rawBody: Buffer.from(JSON.stringify(record)) },
      specChannel('email'),
      SPEC_RECEIVED_AT,
    );
    expect(result.ok && result.events.statuses).toHaveLength(1);
  });
});

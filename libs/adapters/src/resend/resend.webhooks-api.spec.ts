import { createHmac } from 'node:crypto';
import { mergeChannelCredentials, prepareChannelCredentials } from '../registry';
import { createProviderHttp } from '../shared/provider-http';
import { apiSetupOf, webhookSetupFor, type ProviderApiAccess } from '../shared/provider-definition';
import { refusedCredentialField, specChannel, SPEC_RECEIVED_AT } from '../shared/testing/adapter-spec-support';
import { createResendAdapter } from './resend.adapter';
import { resendProvider } from './resend.provider';
import { RESEND_SUBSCRIBED_EVENTS } from './resend.types';
import { registerResendWebhook, unregisterResendWebhook } from './resend.webhooks-api';
import { FakeResendApi } from './testing/fake-resend-api';

const API_KEY = 're_live_4kP9sX2mQ7vT1wZ8';
const URL = 'https://hooks.example.test/webhooks/email/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';
const OTHER_URL = 'https://elsewhere.example.test/resend';
const credentials = { provider: 'resend', api_key: API_KEY };

describe('Resend webhook registration through its API', () => {
  let resend: FakeResendApi;
  let api: ProviderApiAccess;

  beforeEach(async () => {
    resend = new FakeResendApi([API_KEY]);
    await resend.start();
    api = { baseUrl: resend.url, http: createProviderHttp() };
  });

  afterEach(() => resend.stop());

  const ours = () => resend.webhooks(API_KEY).filter((webhook) => webhook.endpoint === URL);

  it('creates one enabled endpoint for the events the parser maps, and keeps the secret Resend made for it', async () => {
    const outcome = await registerResendWebhook(api, URL, credentials);

    expect(outcome.webhook).toMatchObject({ status: 'registered', url: URL });
    expect(ours()).toHaveLength(1);
    expect(ours()[0]).toMatchObject({ status: 'enabled', events: [...RESEND_SUBSCRIBED_EVENTS] });
    expect(outcome.credentials).toEqual({ registered_webhook_secret: ours()[0].signing_secret });
    const [create] = resend.changingCalls();
    expect(create).toMatchObject({ method: 'POST', path: '/webhooks', contentType: 'application/json' });
    expect(create.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('changes nothing at Resend when run again, and answers the same secret', async () => {
    const first = await registerResendWebhook(api, URL, credentials);
    const changes = resend.changingCalls().length;

    const second = await registerResendWebhook(api, URL, credentials);

    expect(resend.changingCalls()).toHaveLength(changes);
    expect(ours()).toHaveLength(1);
    expect(second.credentials).toEqual(first.credentials);
  });

  it('adopts an endpoint already at our URL (a lost answer) and sets back what was edited there', async () => {
    const existing = resend.addWebhook(API_KEY, URL, ['email.sent'], 'disabled');

    const outcome = await registerResendWebhook(api, URL, credentials);

    expect(ours()).toEqual([expect.objectContaining({ id: existing.id, status: 'enabled', events: [...RESEND_SUBSCRIBED_EVENTS] })]);
    expect(outcome.credentials).toEqual({ registered_webhook_secret: existing.signing_secret });
    expect(resend.changingCalls().map((call) => call.method)).toEqual(['PATCH']);
  });

  it('removes duplicates at our URL and leaves the endpoints of others alone', async () => {
    const others = resend.addWebhook(API_KEY, OTHER_URL, ['email.opened']);
    resend.addWebhook(API_KEY, URL, [...RESEND_SUBSCRIBED_EVENTS]);
    resend.addWebhook(API_KEY, URL, [...RESEND_SUBSCRIBED_EVENTS]);
    resend.pageSize = 1; // and reads every page of the list

    await registerResendWebhook(api, URL, credentials);

    expect(ours()).toHaveLength(1);
    expect(resend.webhooks(API_KEY)).toContainEqual(others);
  });

  it("ends failed with Resend's own message when it refuses, and when it cannot be reached", async () => {
    resend.refuseNext('POST', 'Too many requests. Please limit the number of requests per second.', 429);
    expect((await registerResendWebhook(api, URL, credentials)).webhook).toMatchObject({
      status: 'failed',
      url: URL,
      error: 'Too many requests. Please limit the number of requests per second.',
    });
    expect((await registerResendWebhook(api, URL, { ...credentials, api_key: 're_unknown' })).webhook).toMatchObject({
      status: 'failed',
      error: 'API key is invalid',
    });
    await resend.stop();
    const unreachable = await registerResendWebhook(api, URL, credentials);
    expect(unreachable.webhook).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Resend could not be reached: /) });
    expect(unreachable.credentials).toBeUndefined();
  });

  it('unregister removes our endpoints only, and finding none is success', async () => {
    const others = resend.addWebhook(API_KEY, OTHER_URL, ['email.opened']);
    await registerResendWebhook(api, URL, credentials);

    await expect(unregisterResendWebhook(api, credentials, URL)).resolves.toEqual({ ok: true });
    expect(resend.webhooks(API_KEY)).toEqual([others]);
    await expect(unregisterResendWebhook(api, credentials, URL)).resolves.toEqual({ ok: true });
  });
});

describe('Resend credentials and the secret that verifies', () => {
  const adapter = createResendAdapter({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
  const secretA = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const secretB = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const signed = (secret: string) => {
    const body = JSON.stringify({
      type: 'email.sent',
      created_at: new Date().toISOString(),
      data: { email_id: 'e1', to: ['a@example.com'] },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`msg_1.${timestamp}.${body}`)
      .digest('base64');
    return {
      method: 'POST',
      url: URL,
      headers: { 'svix-id': 'msg_1', 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` },
      rawBody: Buffer.from(body),
    };
  };

  it('verifies with the secret the registration stored, ahead of a caller-set webhook_secret', async () => {
    const stored = { provider: 'resend', api_key: API_KEY, webhook_secret: secretA, registered_webhook_secret: secretB };
    await expect(adapter.verify(signed(secretB), stored)).resolves.toEqual({ ok: true });
    await expect(adapter.verify(signed(secretA), stored)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    await expect(adapter.verify(signed(secretA), { provider: 'resend', webhook_secret: secretA })).resolves.toEqual({ ok: true });
  });

  it('takes an API key instead of a secret; without either names webhook_secret; the stored secret is the server’s', () => {
    expect(prepareChannelCredentials('email', { provider: 'resend', api_key: API_KEY })).toEqual({ provider: 'resend', api_key: API_KEY });
    expect(refusedCredentialField('email', { provider: 'resend' })).toBe('credentials.webhook_secret');
    expect(refusedCredentialField('email', { provider: 'resend', api_key: 'sk_not_resend' })).toBe('credentials.api_key');
    expect(refusedCredentialField('email', { provider: 'resend', api_key: API_KEY, registered_webhook_secret: secretA })).toBe(
      'credentials.registered_webhook_secret',
    );
    // null removes the key (a PATCH merges key by key); the stored secret stays the server's.
    const stored = { provider: 'resend', api_key: API_KEY, webhook_secret: secretA, registered_webhook_secret: secretB };
    expect(mergeChannelCredentials('email', stored, { api_key: null })).toEqual({
      provider: 'resend',
      webhook_secret: secretA,
      registered_webhook_secret: secretB,
    });
  });

  it('is registered through the API only with an API key; a new key moves the registration', () => {
    expect(webhookSetupFor(resendProvider.webhook, { provider: 'resend', webhook_secret: secretA }).kind).toBe('manual');
    expect(webhookSetupFor(resendProvider.webhook, credentials).kind).toBe('api');
    expect(resendProvider.needsReregistration(credentials, { ...credentials, api_key: 're_other' })).toBe(true);
    expect(resendProvider.needsReregistration(credentials, { ...credentials, note: 'x' })).toBe(false);
    const setup = apiSetupOf(resendProvider.webhook);
    const registered = { ...credentials, registered_webhook_secret: secretB };
    expect(setup?.registrationCredentials(registered, false, new Date())).toBe(registered);
    expect(setup?.registrationCredentials(registered, true, new Date())).toEqual(credentials);
    expect(setup?.unregisteredCredentials(registered)).toEqual(credentials);
  });

  it.each([...RESEND_SUBSCRIBED_EVENTS])('subscribes to %s, which the parser turns into a status', (type) => {
    const body = JSON.stringify({ type, created_at: '2025-01-01T00:00:00.000Z', data: { email_id: 'e1', to: ['a@example.com'] } });
    const result = adapter.parse(
      { method: 'POST', url: URL, headers: {}, rawBody: Buffer.from(body) },
      specChannel('email'),
      SPEC_RECEIVED_AT,
    );
    expect(result.ok && result.events.statuses).toHaveLength(1);
  });
});

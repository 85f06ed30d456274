import { prepareChannelCredentials } from '../registry';
import { createProviderHttp } from '../shared/provider-http';
import { webhookSetupFor, type ProviderApiAccess } from '../shared/provider-definition';
import { refusedCredentialField, specChannel, SPEC_RECEIVED_AT } from '../shared/testing/adapter-spec-support';
import { createMailgunAdapter } from './mailgun.adapter';
import { mailgunProvider } from './mailgun.provider';
import { mailgunSignatureBlock } from './mailgun.test-signer';
import { MAILGUN_SUBSCRIBED_EVENTS } from './mailgun.types';
import { registerMailgunWebhooks, unregisterMailgunWebhooks } from './mailgun.webhooks-api';
import { FakeMailgunApi } from './testing/fake-mailgun-api';

const API_KEY = '3f9a2c7d1e8b4a6f0c5d9e2b7a1f4c8d-6b2e9f1a-4c7d8e3b';
const DOMAIN = 'mg.example.test';
const URL = 'https://hooks.example.test/webhooks/email/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';
const OTHER_URL = 'https://elsewhere.example.test/mailgun';
const credentials = { provider: 'mailgun', api_key: API_KEY, domain: DOMAIN };

describe('Mailgun domain webhook registration through its API', () => {
  let mailgun: FakeMailgunApi;
  let api: ProviderApiAccess;

  beforeEach(async () => {
    mailgun = new FakeMailgunApi([{ apiKey: API_KEY, domains: [DOMAIN] }]);
    await mailgun.start();
    api = { baseUrl: mailgun.url, http: createProviderHttp() };
  });

  afterEach(() => mailgun.stop());

  const typesWithOurs = () => mailgun.typesWith(API_KEY, DOMAIN, URL).sort();

  it('puts our URL on each webhook type the parser maps, once, and keeps the account signing key', async () => {
    const outcome = await registerMailgunWebhooks(api, URL, credentials);

    expect(outcome.webhook).toMatchObject({ status: 'registered', url: URL });
    expect(typesWithOurs()).toEqual([...MAILGUN_SUBSCRIBED_EVENTS].sort());
    for (const urls of mailgun.webhooksOf(API_KEY, DOMAIN).values()) expect(urls).toEqual([URL]);
    expect(outcome.credentials).toEqual({ registered_signing_key: mailgun.signingKeyOf(API_KEY) });
    const basic = `Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`;
    for (const call of mailgun.calls) expect(call.headers.authorization).toBe(basic);
    expect(mailgun.changingCalls().every((call) => call.contentType === 'application/x-www-form-urlencoded')).toBe(true);
  });

  it('changes nothing at Mailgun when run again', async () => {
    await registerMailgunWebhooks(api, URL, credentials);
    const changes = mailgun.changingCalls().length;

    await registerMailgunWebhooks(api, URL, credentials);

    expect(mailgun.changingCalls()).toHaveLength(changes);
    expect(typesWithOurs()).toEqual([...MAILGUN_SUBSCRIBED_EVENTS].sort());
  });

  it("adds ours beside others' URLs, and takes ours off a type it should not be on", async () => {
    const webhooks = mailgun.webhooksOf(API_KEY, DOMAIN);
    webhooks.set('delivered', [OTHER_URL]);

    await registerMailgunWebhooks(api, URL, credentials);
    expect(webhooks.get('delivered')).toEqual([OTHER_URL, URL]);

    // Someone adds our URL to a type we do not map (Mailgun has none yet: a made-up one stands in).
    webhooks.set('stored', [URL]);
    webhooks.set('rejected', [OTHER_URL, URL]);
    await registerMailgunWebhooks(api, URL, credentials);
    expect(webhooks.has('stored')).toBe(false);
    expect(webhooks.get('rejected')).toEqual([OTHER_URL]);
  });

  it("ends failed with Mailgun's message when it refuses", async () => {
    mailgun.webhooksOf(API_KEY, DOMAIN).set('opened', ['https://a.example.test', 'https://b.example.test', 'https://c.example.test']);
    expect((await registerMailgunWebhooks(api, URL, credentials)).webhook).toMatchObject({
      status: 'failed',
      error: 'Maximum of 3 urls for a given webhook type',
    });
    expect((await registerMailgunWebhooks(api, URL, { ...credentials, domain: 'mg.unknown.test' })).webhook).toMatchObject({
      status: 'failed',
      error: 'Domain not found',
    });
    expect((await registerMailgunWebhooks(api, URL, { ...credentials, api_key: 'wrong' })).webhook).toMatchObject({
      status: 'failed',
      error: 'Invalid private key',
    });
  });

  it('unregister takes our URL off every type and keeps the others', async () => {
    const webhooks = mailgun.webhooksOf(API_KEY, DOMAIN);
    webhooks.set('delivered', [OTHER_URL]);
    await registerMailgunWebhooks(api, URL, credentials);

    await expect(unregisterMailgunWebhooks(api, credentials, URL)).resolves.toEqual({ ok: true });
    expect([...webhooks]).toEqual([['delivered', [OTHER_URL]]]);
    await expect(unregisterMailgunWebhooks(api, credentials, URL)).resolves.toEqual({ ok: true });
  });
});

describe('Mailgun credentials and the key that verifies', () => {
  const adapter = createMailgunAdapter({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
  const signedWith = (key: string) => ({
    method: 'POST',
    url: URL,
    headers: {},
    rawBody: Buffer.from(JSON.stringify({ signature: mailgunSignatureBlock(key), 'event-data': { event: 'delivered' } })),
  });

  it('verifies with the key the registration stored, ahead of a caller-set signing_key', async () => {
    const stored = { ...credentials, signing_key: 'callers-key', registered_signing_key: 'registered-key' };
    await expect(adapter.verify(signedWith('registered-key'), stored)).resolves.toEqual({ ok: true });
    await expect(adapter.verify(signedWith('callers-key'), stored)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('takes an API key with a domain instead of a signing key', () => {
    expect(prepareChannelCredentials('email', credentials)).toEqual(credentials);
    expect(refusedCredentialField('email', { provider: 'mailgun' })).toBe('credentials.signing_key');
    expect(refusedCredentialField('email', { provider: 'mailgun', api_key: API_KEY })).toBe('credentials.domain');
    expect(refusedCredentialField('email', { provider: 'mailgun', domain: DOMAIN, signing_key: 'k' })).toBe('credentials.api_key');
    expect(refusedCredentialField('email', { ...credentials, domain: 'not a domain' })).toBe('credentials.domain');
    expect(refusedCredentialField('email', { ...credentials, registered_signing_key: 'k' })).toBe('credentials.registered_signing_key');
    expect(webhookSetupFor(mailgunProvider.webhook, credentials).kind).toBe('api');
    expect(mailgunProvider.needsReregistration(credentials, { ...credentials, domain: 'mg2.example.test' })).toBe(true);
  });

  const eventOf: Record<(typeof MAILGUN_SUBSCRIBED_EVENTS)[number], Record<string, unknown>> = {
    accepted: { event: 'accepted' },
    delivered: { event: 'delivered' },
    permanent_fail: { event: 'failed', severity: 'permanent' },
    temporary_fail: { event: 'failed', severity: 'temporary' },
    opened: { event: 'opened' },
    clicked: { event: 'clicked' },
    complained: { event: 'complained' },
    unsubscribed: { event: 'unsubscribed' },
  };
  it.each([...MAILGUN_SUBSCRIBED_EVENTS])('subscribes to %s, whose events the parser turns into a status', (type) => {
    const body = JSON.stringify({
      'event-data': { ...eventOf[type], id: 'e1', timestamp: 1735689600, message: { headers: { 'message-id': 'm1@mg' } } },
    });
    const result = adapter.parse(
      { method: 'POST', url: URL, headers: {}, rawBody: Buffer.from(body) },
      specChannel('email'),
      SPEC_RECEIVED_AT,
    );
    expect(result.ok && result.events.statuses).toHaveLength(1);
  });
});

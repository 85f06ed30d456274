import { generateKeyPairSync } from 'node:crypto';
import { mergeChannelCredentials, prepareChannelCredentials } from '../registry';
import { createProviderHttp } from '../shared/provider-http';
import { webhookSetupFor, type ProviderApiAccess } from '../shared/provider-definition';
import { refusedCredentialField, specChannel, SPEC_RECEIVED_AT } from '../shared/testing/adapter-spec-support';
import { createSendGridAdapter } from './sendgrid.adapter';
import { sendgridProvider } from './sendgrid.provider';
import { signSendGridCall } from './sendgrid.test-signer';
import { SENDGRID_SUBSCRIBED_EVENTS } from './sendgrid.types';
import { registerSendGridWebhook, unregisterSendGridWebhook } from './sendgrid.webhooks-api';
import { FakeSendGridApi } from './testing/fake-sendgrid-api';

const API_KEY = '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';
const URL = 'https://hooks.example.test/webhooks/email/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';
const OTHER_URL = 'https://elsewhere.example.test/sendgrid';
const credentials = { provider: 'sendgrid', api_key: API_KEY };
/** The Event Webhook settings of the events we map. */
const OUR_SETTINGS = SENDGRID_SUBSCRIBED_EVENTS.map((event) => (event === 'spamreport' ? 'spam_report' : event));

describe('SendGrid Event Webhook registration through its API', () => {
  let sendgrid: FakeSendGridApi;
  let api: ProviderApiAccess;

  beforeEach(async () => {
    sendgrid = new FakeSendGridApi([API_KEY]);
    await sendgrid.start();
    api = { baseUrl: sendgrid.url, http: createProviderHttp() };
  });

  afterEach(() => sendgrid.stop());

  const ours = () => sendgrid.webhooks(API_KEY).filter((webhook) => webhook.url === URL);

  it('creates one enabled webhook for the events the parser maps, turns signing on and keeps the public key', async () => {
    const outcome = await registerSendGridWebhook(api, URL, credentials);

    expect(outcome.webhook).toMatchObject({ status: 'registered', url: URL });
    expect(ours()).toHaveLength(1);
    const [webhook] = ours();
    expect(webhook.enabled).toBe(true);
    expect(
      Object.entries(webhook.events)
        .filter(([, on]) => on)
        .map(([setting]) => setting)
        .sort(),
    ).toEqual([...OUR_SETTINGS].sort());
    expect(outcome.credentials).toEqual({ registered_verification_key: webhook.signing?.publicKey });
    expect(sendgrid.changingCalls().map((call) => [call.method, call.path])).toEqual([
      ['POST', '/v3/user/webhooks/event/settings'],
      ['PATCH', `/v3/user/webhooks/event/settings/signed/${webhook.id}`],
    ]);
    for (const call of sendgrid.calls) expect(call.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('changes nothing at SendGrid when run again, and answers the same key', async () => {
    const first = await registerSendGridWebhook(api, URL, credentials);
    const changes = sendgrid.changingCalls().length;

    const second = await registerSendGridWebhook(api, URL, credentials);

    expect(sendgrid.changingCalls()).toHaveLength(changes);
    expect(second.credentials).toEqual(first.credentials);
  });

  it('adopts a signed webhook already at our URL and sets back the events someone turned off', async () => {
    const existing = sendgrid.addWebhook(API_KEY, URL, ['delivered'], { enabled: false, signed: true });

    const outcome = await registerSendGridWebhook(api, URL, credentials);

    expect(ours()).toEqual([expect.objectContaining({ id: existing.id, enabled: true })]);
    expect(OUR_SETTINGS.every((setting) => ours()[0].events[setting])).toBe(true);
    expect(outcome.credentials).toEqual({ registered_verification_key: existing.signing?.publicKey });
    expect(sendgrid.changingCalls().map((call) => call.method)).toEqual(['PATCH']);
  });

  it("leaves other webhooks alone, and ends failed with SendGrid's message when it refuses", async () => {
    const others = sendgrid.addWebhook(API_KEY, OTHER_URL, ['open']);
    sendgrid.maxAllowed = 1;

    const outcome = await registerSendGridWebhook(api, URL, credentials);

    expect(outcome.webhook).toMatchObject({
      status: 'failed',
      error: 'You have reached the maximum number of webhooks per your current billing plan.',
    });
    expect(outcome.credentials).toBeUndefined();
    expect(sendgrid.webhooks(API_KEY)).toEqual([others]);
    expect((await registerSendGridWebhook(api, URL, { ...credentials, api_key: 'SG.x.y' })).webhook).toMatchObject({
      status: 'failed',
      error: 'The provided authorization grant is invalid, expired, or revoked',
    });
  });

  it('unregister removes our webhook only', async () => {
    const others = sendgrid.addWebhook(API_KEY, OTHER_URL, ['open']);
    await registerSendGridWebhook(api, URL, credentials);

    await expect(unregisterSendGridWebhook(api, credentials, URL)).resolves.toEqual({ ok: true });
    expect(sendgrid.webhooks(API_KEY)).toEqual([others]);
  });
});

describe('SendGrid credentials and the key that verifies', () => {
  const adapter = createSendGridAdapter({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
  const pair = () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { verificationKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey };
  };
  const body = JSON.stringify([{ event: 'delivered', email: 'a@example.com', sg_message_id: 'm1.x', timestamp: 1 }]);
  const signedBy = (privateKey: ReturnType<typeof pair>['privateKey']) => ({
    method: 'POST',
    url: URL,
    headers: signSendGridCall(privateKey, body),
    rawBody: Buffer.from(body),
  });

  it('verifies with the key the registration stored, ahead of a caller-set verification_key', async () => {
    const callers = pair();
    const registered = pair();
    const stored = { ...credentials, verification_key: callers.verificationKey, registered_verification_key: registered.verificationKey };
    await expect(adapter.verify(signedBy(registered.privateKey), stored)).resolves.toEqual({ ok: true });
    await expect(adapter.verify(signedBy(callers.privateKey), stored)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('takes an API key instead of a verification key; the stored key is the server’s', () => {
    expect(prepareChannelCredentials('email', credentials)).toEqual(credentials);
    expect(refusedCredentialField('email', { provider: 'sendgrid' })).toBe('credentials.verification_key');
    expect(refusedCredentialField('email', { provider: 'sendgrid', api_key: 're_not_sendgrid' })).toBe('credentials.api_key');
    expect(refusedCredentialField('email', { ...credentials, registered_verification_key: pair().verificationKey })).toBe(
      'credentials.registered_verification_key',
    );
    const key = pair().verificationKey;
    expect(
      mergeChannelCredentials('email', { ...credentials, registered_verification_key: key }, { api_key: null, verification_key: key }),
    ).toEqual({
      provider: 'sendgrid',
      verification_key: key,
      registered_verification_key: key,
    });
    expect(webhookSetupFor(sendgridProvider.webhook, credentials).kind).toBe('api');
    expect(sendgridProvider.needsReregistration(credentials, { ...credentials, api_key: 'SG.a.b' })).toBe(true);
  });

  it.each([...SENDGRID_SUBSCRIBED_EVENTS])('subscribes to %s, which the parser turns into a status', (event) => {
    const batch = JSON.stringify([{ event, email: 'a@example.com', sg_message_id: 'm1.x', sg_event_id: 'e1', timestamp: 1735689600 }]);
    const result = adapter.parse(
      { method: 'POST', url: URL, headers: {}, rawBody: Buffer.from(batch) },
      specChannel('email'),
      SPEC_RECEIVED_AT,
    );
    expect(result.ok && result.events.statuses).toHaveLength(1);
  });
});

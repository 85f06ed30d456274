import { FakeMailgunApi, FakePostmarkApi, FakeResendApi, FakeSendGridApi } from '@inbound/adapters/testing';
import { mailgunSignatureBlock, signPostmarkCall, signResendCall, signSendGridCall } from '@inbound/adapters/test-signers';
import { Channel, CredentialsCipher } from '@inbound/domain';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  ACCOUNT_ID,
  CREDENTIALS_KEY,
  migratedDataSource,
  startGateway,
  type RunningGateway,
  adminApi,
  type Json,
} from './support/gateway-harness';

/**
 * The email providers registered through their own APIs (Resend, SendGrid, Mailgun, Postmark),
 * end to end: the admin API, the built gateway, and a local fake of each provider's API that
 * refuses what the provider would. A webhook signed with what the fake gave the registration
 * being accepted proves the gateway stored it and verifies with it.
 */

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

type Account = 'first' | 'second';

const fixture = (provider: string, name: string) =>
  readFileSync(join(__dirname, '..', '..', '..', 'libs', 'adapters', 'src', provider, 'fixtures', `${name}.json`), 'utf8');

/** Mailgun's webhook types whose events the parser maps: our URL belongs on each, once. */
const MAILGUN_TYPES = ['accepted', 'clicked', 'complained', 'delivered', 'opened', 'permanent_fail', 'temporary_fail', 'unsubscribed'];

interface ProviderCase {
  provider: string;
  /** The API credentials of one of two provider accounts (another key may be another account). */
  apiCredentials: Record<Account, Json>;
  /** Credentials for a webhook set up by hand. */
  manualCredentials: Json;
  /** The key name the registration stores what the provider gave back under (none for Postmark). */
  storedKey?: string;
  fake: { refuseNextChange(message: string, status?: number): void; changingCalls(): unknown[]; calls: unknown[] };
  /** Our webhook in that account, as the fake holds it: exactly one, or none. */
  expectRegistered(account: Account, url: string): void;
  expectNone(account: Account, url: string): void;
  /** A call signed with what the fake gave our registration in that account. */
  signedCall(account: Account, url: string): { body: string; headers: Record<string, string> };
}

const resend = new FakeResendApi(['re_first_4kP9sX2mQ7vT', 're_second_8bN3wY6hJ1dR']);
const sendgrid = new FakeSendGridApi(['SG.first.aaaaBBBBccccDDDD', 'SG.second.eeeeFFFFggggHHHH']);
const mailgun = new FakeMailgunApi([
  { apiKey: 'mailgun-first-3f9a2c7d1e8b4a6f', domains: ['mg.first.test'] },
  { apiKey: 'mailgun-second-0c5d9e2b7a1f4c8d', domains: ['mg.second.test'] },
]);
const postmark = new FakePostmarkApi(['b7e1c3a9-4f2d-4e8b-9a6c-1d5f7e3b2a90', '5c2d8e1f-7a3b-4c9d-8e2f-6a1b3c5d7e90']);

const resendKey = { first: 're_first_4kP9sX2mQ7vT', second: 're_second_8bN3wY6hJ1dR' };
const sendgridKey = { first: 'SG.first.aaaaBBBBccccDDDD', second: 'SG.second.eeeeFFFFggggHHHH' };
const mailgunAccount = {
  first: { api_key: 'mailgun-first-3f9a2c7d1e8b4a6f', domain: 'mg.first.test' },
  second: { api_key: 'mailgun-second-0c5d9e2b7a1f4c8d', domain: 'mg.second.test' },
};
const postmarkToken = { first: 'b7e1c3a9-4f2d-4e8b-9a6c-1d5f7e3b2a90', second: '5c2d8e1f-7a3b-4c9d-8e2f-6a1b3c5d7e90' };

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
  return items[0];
}

const CASES: ProviderCase[] = [
  {
    provider: 'resend',
    apiCredentials: { first: { api_key: resendKey.first }, second: { api_key: resendKey.second } },
    manualCredentials: { webhook_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    storedKey: 'registered_webhook_secret',
    fake: resend,
    expectRegistered: (account, url) => expect(resend.webhooks(resendKey[account]).filter((w) => w.endpoint === url)).toHaveLength(1),
    expectNone: (account, url) => expect(resend.webhooks(resendKey[account]).filter((w) => w.endpoint === url)).toEqual([]),
    signedCall(account, url) {
      const webhook = only(
        resend.webhooks(resendKey[account]).filter((w) => w.endpoint === url),
        'Resend webhook',
      );
      const body = fixture('resend', 'email-bounced');
      return { body, headers: signResendCall(webhook.signing_secret, body) };
    },
  },
  {
    provider: 'sendgrid',
    apiCredentials: { first: { api_key: sendgridKey.first }, second: { api_key: sendgridKey.second } },
    manualCredentials: {
      verification_key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        .publicKey.export({ type: 'spki', format: 'der' })
        .toString('base64'),
    },
    storedKey: 'registered_verification_key',
    fake: sendgrid,
    expectRegistered: (account, url) => expect(sendgrid.webhooks(sendgridKey[account]).filter((w) => w.url === url)).toHaveLength(1),
    expectNone: (account, url) => expect(sendgrid.webhooks(sendgridKey[account]).filter((w) => w.url === url)).toEqual([]),
    signedCall(account, url) {
      const webhook = only(
        sendgrid.webhooks(sendgridKey[account]).filter((w) => w.url === url),
        'SendGrid webhook',
      );
      if (!webhook.signing) throw new Error('signing was never turned on');
      const body = fixture('sendgrid', 'event-batch');
      return { body, headers: signSendGridCall(webhook.signing.privateKeyPem, body) };
    },
  },
  {
    provider: 'mailgun',
    apiCredentials: mailgunAccount,
    manualCredentials: { signing_key: 'key-test-signing-key' },
    storedKey: 'registered_signing_key',
    fake: mailgun,
    expectRegistered: (account, url) =>
      expect(mailgun.typesWith(mailgunAccount[account].api_key, mailgunAccount[account].domain, url).sort()).toEqual(MAILGUN_TYPES),
    expectNone: (account, url) =>
      expect(mailgun.typesWith(mailgunAccount[account].api_key, mailgunAccount[account].domain, url)).toEqual([]),
    signedCall(account) {
      const call = JSON.parse(fixture('mailgun', 'failed-permanent')) as Json;
      const body = JSON.stringify({ ...call, signature: mailgunSignatureBlock(mailgun.signingKeyOf(mailgunAccount[account].api_key)) });
      return { body, headers: {} };
    },
  },
  {
    provider: 'postmark',
    apiCredentials: { first: { server_token: postmarkToken.first }, second: { server_token: postmarkToken.second } },
    manualCredentials: { basic_auth_username: 'postmark-hook-user', basic_auth_password: 'postmark-password' },
    fake: postmark,
    expectRegistered: (account, url) => expect(postmark.webhooks(postmarkToken[account]).filter((w) => w.Url === url)).toHaveLength(1),
    expectNone: (account, url) => expect(postmark.webhooks(postmarkToken[account]).filter((w) => w.Url === url)).toEqual([]),
    signedCall(account, url) {
      const webhook = only(
        postmark.webhooks(postmarkToken[account]).filter((w) => w.Url === url),
        'Postmark webhook',
      );
      if (!webhook.HttpAuth) throw new Error('the webhook has no Basic credentials');
      return { body: fixture('postmark', 'delivery'), headers: signPostmarkCall(webhook.HttpAuth.Username, webhook.HttpAuth.Password) };
    },
  },
];

describe('email webhooks registered through the providers’ APIs', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  const cipher = new CredentialsCipher(CREDENTIALS_KEY);

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    for (const fake of [resend, sendgrid, mailgun, postmark]) await fake.start();
    gateway = await startGateway({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      RESEND_API_BASE_URL: resend.url,
      SENDGRID_API_BASE_URL: sendgrid.url,
      MAILGUN_API_BASE_URL: mailgun.url,
      POSTMARK_API_BASE_URL: postmark.url,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    for (const fake of [resend, sendgrid, mailgun, postmark]) await fake.stop();
    await dataSource?.destroy();
  });

  const api = adminApi(() => gateway, ADMIN_TOKEN);
  const create = (provider: string, credentials: Json) =>
    api('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: 'email',
      name: `${provider} channel`,
      credentials: { provider, ...credentials },
    });
  const registerWebhook = (id: string) => api('POST', `/channels/${id}/register-webhook`);
  const patch = (id: string, body: Json) => api('PATCH', `/channels/${id}`, body);
  const storedCredentials = async (id: string) =>
    cipher.open(id, (await dataSource.getRepository(Channel).findOneByOrFail({ id })).credentials);
  const deliver = async (id: string, call: { body: string; headers: Record<string, string> }) =>
    (
      await fetch(`${gateway.baseUrl}/webhooks/email/${id}`, {
        method: 'POST',
        body: call.body,
        headers: { 'content-type': 'application/json', ...call.headers },
      })
    ).status;

  describe.each(CASES.map((providerCase) => [providerCase.provider, providerCase] as const))('%s', (provider, subject) => {
    it('with API credentials: registered, one webhook at the provider, and what it gave back verifies the webhooks', async () => {
      const { status, body } = await create(provider, subject.apiCredentials.first);

      expect(status).toBe(201);
      expect(body.webhook).toEqual({ status: 'registered', url: body.webhook_url, registered_at: expect.any(String) });
      subject.expectRegistered('first', body.webhook_url);
      expect(await deliver(body.id, subject.signedCall('first', body.webhook_url))).toBe(200);
      if (subject.storedKey) expect(typeof (await storedCredentials(body.id))[subject.storedKey]).toBe('string');
      // Neither the API credentials nor anything the provider gave back is ever shown.
      const stored = await storedCredentials(body.id);
      for (const value of Object.values(stored)) if (value !== provider) expect(JSON.stringify(body)).not.toContain(String(value));
    });

    it('register-webhook twice changes nothing at the provider', async () => {
      const { body } = await create(provider, subject.apiCredentials.first);
      const changes = subject.fake.changingCalls().length;

      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
      }

      expect(subject.fake.changingCalls()).toHaveLength(changes);
      subject.expectRegistered('first', body.webhook_url);
      expect(await deliver(body.id, subject.signedCall('first', body.webhook_url))).toBe(200);
    });

    it('another API key moves the registration: removed from the old account, made in the new one', async () => {
      const { body } = await create(provider, subject.apiCredentials.first);

      const changed = await patch(body.id, { credentials: subject.apiCredentials.second });

      expect(changed).toMatchObject({ status: 200, body: { webhook: { status: 'registered' } } });
      subject.expectNone('first', body.webhook_url);
      subject.expectRegistered('second', body.webhook_url);
      expect(await deliver(body.id, subject.signedCall('second', body.webhook_url))).toBe(200);
    });

    it('deactivation removes the webhook at the provider', async () => {
      const { body } = await create(provider, subject.apiCredentials.first);

      const deactivated = await patch(body.id, { is_active: false });

      expect(deactivated).toMatchObject({ status: 200, body: { webhook: { status: 'unregistered', url: body.webhook_url } } });
      subject.expectNone('first', body.webhook_url);
      if (subject.storedKey) expect(await storedCredentials(body.id)).not.toHaveProperty(subject.storedKey);
    });

    it("a refusal leaves the webhook failed with the provider's message; register-webhook then registers it", async () => {
      subject.fake.refuseNextChange(`${provider} says: try again later`, 429);

      const { body } = await create(provider, subject.apiCredentials.first);

      expect(body.webhook).toEqual({
        status: 'failed',
        url: body.webhook_url,
        error: `${provider} says: try again later`,
        failed_at: expect.any(String),
      });
      expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
      subject.expectRegistered('first', body.webhook_url);
      expect(await deliver(body.id, subject.signedCall('first', body.webhook_url))).toBe(200);
    });

    it('without API credentials: manual as before, and the provider is not called', async () => {
      const calls = subject.fake.calls.length;

      const { status, body } = await create(provider, subject.manualCredentials);

      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({ status: 'manual', provider, url: body.webhook_url, events: expect.any(Array) });
      expect(subject.fake.calls).toHaveLength(calls);
    });
  });

  it('removing the API key goes back to a hand-made setup: the webhook is removed and the secret Resend gave it no longer verifies', async () => {
    const { body } = await create('resend', { api_key: resendKey.first });
    const registeredCall = CASES[0].signedCall('first', body.webhook_url);
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

    const changed = await patch(body.id, { credentials: { api_key: null, webhook_secret: secret } });

    expect(changed).toMatchObject({ status: 200, body: { webhook: { status: 'manual', provider: 'resend' } } });
    CASES[0].expectNone('first', body.webhook_url);
    expect(await storedCredentials(body.id)).toEqual({ provider: 'resend', webhook_secret: secret });
    const byHand = fixture('resend', 'email-bounced');
    expect(await deliver(body.id, { body: byHand, headers: signResendCall(secret, byHand) })).toBe(200);
    expect(await deliver(body.id, registeredCall)).toBe(401);
  });

  it('removing the API key and deactivating in one PATCH removes the webhook and says unregistered', async () => {
    const { body } = await create('resend', { api_key: resendKey.first });

    const changed = await patch(body.id, {
      is_active: false,
      credentials: { api_key: null, webhook_secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' },
    });

    expect(changed).toMatchObject({ status: 200, body: { is_active: false, webhook: { status: 'unregistered', url: body.webhook_url } } });
    CASES[0].expectNone('first', body.webhook_url);
    expect(await storedCredentials(body.id)).not.toHaveProperty('registered_webhook_secret');
  });
});

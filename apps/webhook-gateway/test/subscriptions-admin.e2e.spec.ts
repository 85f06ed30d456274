import { CredentialsCipher, WebhookSubscription } from '@inbound/domain';
import { OUTBOUND_EVENT_TYPES } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNT_ID, CREDENTIALS_KEY, migratedDataSource, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
// A public address written as an IP, so creation needs no DNS; nothing is ever sent to it here.
const PUBLIC_URL = 'https://93.184.215.14/hooks/messages';
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('subscriptions admin API', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  const cipher = new CredentialsCipher(CREDENTIALS_KEY);

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await gateway?.stop();
    await dataSource?.destroy();
  });

  const call = async (target: RunningGateway, method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const response = await fetch(`${target.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
  };
  const api = (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) =>
    call(gateway, method, path, body, token);
  const create = (fields: Json = {}) => api('POST', '/subscriptions', { account_id: ACCOUNT_ID, url: PUBLIC_URL, ...fields });
  const row = (id: string) => dataSource.getRepository(WebhookSubscription).findOneByOrFail({ id });

  describe('authorisation', () => {
    it('401 without a token and with a wrong one, on every route', async () => {
      const id = randomUUID();
      for (const [method, path] of [
        ['POST', '/subscriptions'],
        ['GET', `/subscriptions?account_id=${ACCOUNT_ID}`],
        ['GET', `/subscriptions/${id}`],
        ['PATCH', `/subscriptions/${id}`],
        ['DELETE', `/subscriptions/${id}`],
        ['POST', `/subscriptions/${id}/rotate-secret`],
      ]) {
        const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
        expect(await api(method, path, body, null)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
        expect((await api(method, path, body, 'wrong-token-of-some-length')).status).toBe(401);
      }
    });
  });

  describe('create', () => {
    it('answers 201 with the subscription and its secret, defaults filled in', async () => {
      const { status, body } = await create();
      expect(status).toBe(201);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        account_id: ACCOUNT_ID,
        url: PUBLIC_URL,
        events: ['message.received'],
        description: null,
        enabled: true,
        disabled_reason: null,
        retry: null,
        previous_secret_expires_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        secret: expect.stringMatching(SECRET),
      });
      expect(Buffer.from(body.secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    });

    it('stores every field given', async () => {
      const { status, body } = await create({
        events: ['*'],
        description: 'CRM sync',
        enabled: false,
        retry: { max_attempts: 3, backoff_ms: [0, 1000, 60000] },
      });
      expect(status).toBe(201);
      expect(body).toMatchObject({
        events: ['*'],
        description: 'CRM sync',
        enabled: false,
        retry: { max_attempts: 3, backoff_ms: [0, 1000, 60000] },
      });
      const stored = await row(body.id);
      expect(stored).toMatchObject({
        events: ['*'],
        description: 'CRM sync',
        enabled: false,
        retry: { max_attempts: 3, backoff_ms: [0, 1000, 60000] },
      });
    });

    it('stores the secret sealed, never in plain text, and shows it only in its answer', async () => {
      const { body } = await create({ events: [...OUTBOUND_EVENT_TYPES] });
      const stored = await row(body.id);
      expect(stored.secret).toMatch(/^v1\./);
      expect(stored.secret).not.toContain(body.secret);
      expect(stored.secret).not.toContain(body.secret.slice('whsec_'.length));
      expect(cipher.open(body.id, stored.secret)).toEqual({ secret: body.secret });

      const read = await api('GET', `/subscriptions/${body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('secret');
      expect(JSON.stringify(read.body)).not.toContain(body.secret);
      const listed = await api('GET', `/subscriptions?account_id=${ACCOUNT_ID}`);
      expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    });

    it('gives each subscription its own secret', async () => {
      const first = await create();
      const second = await create();
      expect(first.body.secret).not.toBe(second.body.secret);
    });
  });

  describe('list, read, update, delete', () => {
    it('lists an account’s subscriptions, newest first, and no other account’s', async () => {
      const account = randomUUID();
      const ids: string[] = [];
      for (const description of ['first', 'second', 'third']) {
        ids.push((await create({ account_id: account, description })).body.id);
      }
      await create({ account_id: randomUUID() });
      const { status, body } = await api('GET', `/subscriptions?account_id=${account}`);
      expect(status).toBe(200);
      expect(body.subscriptions.map((subscription: Json) => subscription.id)).toEqual([...ids].reverse());
      expect(body.subscriptions.map((subscription: Json) => subscription.description)).toEqual(['third', 'second', 'first']);
      expect((await api('GET', `/subscriptions?account_id=${randomUUID()}`)).body).toEqual({ subscriptions: [] });
    });

    it('400 naming account_id when the list has none or a bad one', async () => {
      for (const query of ['', '?account_id=', '?account_id=nope', `?account_id=${ACCOUNT_ID}&other=1`]) {
        const { status, body } = await api('GET', `/subscriptions${query}`);
        expect(status).toBe(400);
        expect(body).toMatchObject({ error: 'invalid_request', field: query.includes('other') ? 'other' : 'account_id' });
      }
    });

    it('reads one by id', async () => {
      const created = await create({ description: 'read me' });
      const { secret: _secret, ...view } = created.body;
      expect(await api('GET', `/subscriptions/${created.body.id}`)).toEqual({ status: 200, body: view });
    });

    it('updates url, events, description, enabled and retry; null clears description and retry', async () => {
      const created = await create({ description: 'before', retry: { max_attempts: 5 } });
      const patched = await api('PATCH', `/subscriptions/${created.body.id}`, {
        url: 'https://93.184.215.15/v2',
        events: ['message.delivered', 'message.failed'],
        description: 'after',
        enabled: false,
        retry: { backoff_ms: [10, 20] },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        url: 'https://93.184.215.15/v2',
        events: ['message.delivered', 'message.failed'],
        description: 'after',
        enabled: false,
        retry: { backoff_ms: [10, 20] },
      });
      expect(patched.body).not.toHaveProperty('secret');
      const cleared = await api('PATCH', `/subscriptions/${created.body.id}`, { description: null, retry: null });
      expect(cleared.body).toMatchObject({ description: null, retry: null, url: 'https://93.184.215.15/v2', enabled: false });
      expect(await row(created.body.id)).toMatchObject({ description: null, retry: null });
    });

    it('re-enabling clears disabled_reason', async () => {
      const created = await create();
      await dataSource
        .getRepository(WebhookSubscription)
        .update({ id: created.body.id }, { enabled: false, disabled_reason: 'endpoint answered 410 Gone' });
      expect((await api('GET', `/subscriptions/${created.body.id}`)).body).toMatchObject({
        enabled: false,
        disabled_reason: 'endpoint answered 410 Gone',
      });
      const patched = await api('PATCH', `/subscriptions/${created.body.id}`, { enabled: true });
      expect(patched.body).toMatchObject({ enabled: true, disabled_reason: null });
      expect((await row(created.body.id)).disabled_reason).toBeNull();
    });

    it('deletes with 204, then the subscription is gone', async () => {
      const created = await create();
      const response = await fetch(`${gateway.baseUrl}/subscriptions/${created.body.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect((await api('GET', `/subscriptions/${created.body.id}`)).status).toBe(404);
      expect((await api('DELETE', `/subscriptions/${created.body.id}`)).status).toBe(404);
      expect(await dataSource.getRepository(WebhookSubscription).countBy({ id: created.body.id })).toBe(0);
    });

    it('404 for unknown or malformed ids on every route', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        for (const [method, path, body] of [
          ['GET', `/subscriptions/${id}`, undefined],
          ['PATCH', `/subscriptions/${id}`, { description: 'x' }],
          ['DELETE', `/subscriptions/${id}`, undefined],
          ['POST', `/subscriptions/${id}/rotate-secret`, undefined],
        ] as const) {
          expect(await api(method, path, body)).toEqual({ status: 404, body: { error: 'not_found', message: 'no such subscription' } });
        }
      }
    });
  });

  describe('rotate-secret', () => {
    it('answers 200 with a new secret and keeps the previous one sealed for 24 hours', async () => {
      const created = await create();
      const before = Date.now();
      const rotated = await api('POST', `/subscriptions/${created.body.id}/rotate-secret`);
      const after = Date.now();
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(SECRET);
      expect(rotated.body.secret).not.toBe(created.body.secret);
      expect(rotated.body.id).toBe(created.body.id);

      const stored = await row(created.body.id);
      expect(cipher.open(created.body.id, stored.secret)).toEqual({ secret: rotated.body.secret });
      expect(stored.previous_secret).not.toBeNull();
      expect(stored.previous_secret).not.toContain(created.body.secret.slice('whsec_'.length));
      expect(cipher.open(created.body.id, stored.previous_secret as string)).toEqual({ secret: created.body.secret });
      const expiry = (stored.previous_secret_expires_at as Date).getTime();
      expect(expiry).toBeGreaterThanOrEqual(before + DAY_MS - 1000);
      expect(expiry).toBeLessThanOrEqual(after + DAY_MS + 1000);
      expect(rotated.body.previous_secret_expires_at).toBe(new Date(expiry).toISOString());

      const read = await api('GET', `/subscriptions/${created.body.id}`);
      expect(read.body).not.toHaveProperty('secret');
      expect(read.body.previous_secret_expires_at).toBe(new Date(expiry).toISOString());
    });
  });

  describe('invalid input: 400 naming the field', () => {
    it.each<[string, Json, string]>([
      ['a missing url', { url: undefined }, 'url'],
      ['a relative url', { url: '/hooks' }, 'url'],
      ['a url that is not http(s)', { url: 'ftp://93.184.215.14/x' }, 'url'],
      ['a url with credentials', { url: 'https://user:pass@93.184.215.14/x' }, 'url'],
      ['plain http in production', { url: 'http://93.184.215.14/x' }, 'url'],
      ['a loopback address', { url: 'https://127.0.0.1/x' }, 'url'],
      ['a host that resolves to loopback', { url: 'https://localhost/x' }, 'url'],
      ['an RFC 1918 address', { url: 'https://10.0.0.5/x' }, 'url'],
      ['an IPv4-mapped IPv6 loopback', { url: 'https://[::ffff:127.0.0.1]/x' }, 'url'],
      ['a unique-local IPv6 address', { url: 'https://[fd00::1]/x' }, 'url'],
      ['a link-local address', { url: 'https://169.254.10.10/x' }, 'url'],
      ['the cloud metadata address', { url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      ['a CGNAT address', { url: 'https://100.64.1.1/x' }, 'url'],
      ['the unspecified address', { url: 'https://0.0.0.0/x' }, 'url'],
      ['an unknown event type', { events: ['message.received', 'message.bounced'] }, 'events'],
      ['an empty events list', { events: [] }, 'events'],
      ['events that are not a list', { events: 'message.received' }, 'events'],
      ['max_attempts 0', { retry: { max_attempts: 0 } }, 'retry.max_attempts'],
      ['max_attempts 21', { retry: { max_attempts: 21 } }, 'retry.max_attempts'],
      ['a negative backoff', { retry: { backoff_ms: [1000, -1] } }, 'retry.backoff_ms'],
      ['a fractional backoff', { retry: { backoff_ms: [0.5] } }, 'retry.backoff_ms'],
      ['a backoff that is not a list', { retry: { backoff_ms: 1000 } }, 'retry.backoff_ms'],
      ['a backoff list too long', { retry: { backoff_ms: new Array(21).fill(1) } }, 'retry.backoff_ms'],
      ['an unknown retry setting', { retry: { jitter: 0.2 } }, 'retry.jitter'],
      ['a retry that is not an object', { retry: 3 }, 'retry'],
      ['a bad account_id', { account_id: 'acct-1' }, 'account_id'],
      ['enabled as a string', { enabled: 'yes' }, 'enabled'],
      ['a description with control characters', { description: 'a\u0000b' }, 'description'],
      ['an unknown field', { secret: 'whsec_mine' }, 'secret'],
    ])('POST with %s (%j) → %s', async (_label, fields, field) => {
      const { status, body } = await create(fields);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_request', field, message: expect.stringContaining(field) });
    });

    it('PATCH checks the same rules, refuses null where there is no empty value, and changes nothing', async () => {
      const created = await create();
      for (const [fields, field] of [
        [{ url: 'https://192.168.1.20/x' }, 'url'],
        [{ url: 'http://93.184.215.14/x' }, 'url'],
        [{ url: null }, 'url'],
        [{ events: ['nope'] }, 'events'],
        [{ events: null }, 'events'],
        [{ enabled: null }, 'enabled'],
        [{ retry: { max_attempts: 50 } }, 'retry.max_attempts'],
        [{ retry: { backoff_ms: ['1s'] } }, 'retry.backoff_ms'],
      ] as Array<[Json, string]>) {
        const { status, body } = await api('PATCH', `/subscriptions/${created.body.id}`, fields);
        expect({ fields, status, field: body.field }).toEqual({ fields, status: 400, field });
      }
      const { secret: _secret, ...view } = created.body;
      expect((await api('GET', `/subscriptions/${created.body.id}`)).body).toEqual(view);
    });
  });

  describe('OUTBOUND_ALLOW_PRIVATE_URLS=true', () => {
    let open: RunningGateway;

    beforeAll(async () => {
      open = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, OUTBOUND_ALLOW_PRIVATE_URLS: 'true' });
    });

    afterAll(async () => {
      await open?.stop();
    });

    it.each([
      'http://127.0.0.1:8080/hooks',
      'http://localhost:8080/hooks',
      'http://10.0.0.5/hooks',
      'https://[::1]/hooks',
      'http://[fd00::1]/hooks',
      'http://100.64.0.9/hooks',
    ])('accepts the private URL %s, over plain http in production too', async (url) => {
      const { status, body } = await call(open, 'POST', '/subscriptions', { account_id: ACCOUNT_ID, url });
      expect(status).toBe(201);
      expect(body.secret).toMatch(SECRET);
      const moved = await call(open, 'PATCH', `/subscriptions/${body.id}`, { url: 'http://192.168.0.7/other' });
      expect(moved).toMatchObject({ status: 200, body: { url: 'http://192.168.0.7/other' } });
    });

    it('still refuses cloud metadata addresses, and plain http to public hosts in production', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fd00:ec2::254]/', 'http://93.184.215.14/x']) {
        const { status, body } = await call(open, 'POST', '/subscriptions', { account_id: ACCOUNT_ID, url });
        expect({ url, status, field: body.field }).toEqual({ url, status: 400, field: 'url' });
      }
    });
  });
});

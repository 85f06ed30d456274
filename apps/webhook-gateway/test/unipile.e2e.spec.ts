import { FakeUnipileApi, UNIPILE_INVALID_CREDENTIALS, type FakeUnipileWebhook } from '@inbound/adapters/testing';
import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { Channel, CredentialsCipher } from '@inbound/domain';
import {
  type AppProcess,
  createIsolatedInfra,
  dropIsolatedInfra,
  freePort,
  type IsolatedInfra,
  killIfRunning,
  startBuiltApp,
  waitFor,
} from '@inbound/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '../src/app/infrastructure/infrastructure.module';
import { ACCOUNT_ID, CREDENTIALS_KEY, migratedDataSource, QueueProbe, startGateway, type RunningGateway } from './support/gateway-harness';

/**
 * The unipile channel type through the built gateway, real PostgreSQL and RabbitMQ, with a local stand-in of Unipile's
 * webhook API: the webhook the gateway keeps there, and the calls Unipile makes with it. Its own database and vhost:
 * every gateway started on the shared one would reconcile these channels too.
 */

const ADMIN_TOKEN = 'unipile-admin-token-for-tests-0123';
const UNIPILE_ACCOUNT = 'dfXlh46vQYCsMbVarumWlg';
const SECRET_HEADER = 'X-Unipile-Webhook-Secret';
const fixture = (name: string) => readFileSync(join(__dirname, '../../../libs/adapters/src/unipile/fixtures', `${name}.json`), 'utf8');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('unipile channels over real HTTP, RabbitMQ and PostgreSQL', () => {
  let infra: IsolatedInfra;
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let probe: QueueProbe;
  const unipile = new FakeUnipileApi();

  beforeAll(async () => {
    infra = await createIsolatedInfra('unipile');
    dataSource = await migratedDataSource(infra.databaseUrl);
    probe = await QueueProbe.open(infra.rabbitmqUrl);
    await unipile.start();
    gateway = await startGateway(gatewayEnv());
  });

  afterAll(async () => {
    await gateway?.stop();
    await probe?.close();
    await unipile.stop();
    await dataSource?.destroy();
    if (infra) await dropIsolatedInfra(infra);
  });

  beforeEach(async () => {
    unipile.reset();
    unipile.delayMs = 0;
    await probe.purge();
  });

  /** The channels store Unipile's real DSN; UNIPILE_API_BASE_URL points this gateway at the stand-in. */
  function gatewayEnv(): Record<string, string> {
    return {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      UNIPILE_API_BASE_URL: unipile.url,
    };
  }

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const createChannel = async (credentials: Json = {}) => {
    const { status, body } = await admin('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: 'unipile',
      name: 'unipile channel',
      credentials: { api_url: 'https://api8.unipile.com:13851', api_key: unipile.apiKey, account_ids: [UNIPILE_ACCOUNT], ...credentials },
    });
    expect(status).toBe(201);
    return body;
  };
  const registerWebhook = async (id: string) => (await admin('POST', `/channels/${id}/register-webhook`)).body;
  const only = (url: string): FakeUnipileWebhook => {
    const webhooks = unipile.webhooksFor(url);
    expect(webhooks).toHaveLength(1);
    return webhooks[0];
  };
  const secretOf = (webhook: FakeUnipileWebhook) => webhook.headers.find((header) => header.key === SECRET_HEADER)?.value ?? '';
  /** Unipile calling the webhook with the headers it was created with (its public URL is not this machine). */
  const deliver = (webhook: FakeUnipileWebhook, body: string) => unipile.deliver(webhook, body, gateway.baseUrl);
  const postRaw = (url: string, body: string, headers: Record<string, string>) =>
    fetch(`${gateway.baseUrl}${new URL(url).pathname}`, { method: 'POST', body, headers });
  const published = async () => [...(await probe.drain(INBOUND_QUEUE)), ...(await probe.drain(STATUS_QUEUE))];

  it('POST /channels makes exactly one webhook at Unipile, with a secret header the answer never shows', async () => {
    const channel = await createChannel();
    const url = `https://hooks.example.test/webhooks/unipile/${channel.id}`;
    expect(channel).toMatchObject({
      channel_type: 'unipile',
      webhook_url: url,
      webhook: { status: 'registered', url, registered_at: expect.any(String) },
    });
    const webhook = only(url);
    expect(webhook).toMatchObject({ name: `messaging-inbound ${channel.id}`, source: 'messaging', format: 'json', enabled: true });
    expect(webhook.account_ids.map((account) => account.id)).toEqual([UNIPILE_ACCOUNT]);
    expect(secretOf(webhook)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(unipile.callsOf('POST')).toHaveLength(1);
    expect(unipile.calls.every((call) => call.apiKey === unipile.apiKey)).toBe(true);
    expect(JSON.stringify(channel)).not.toContain(secretOf(webhook));
    expect(JSON.stringify((await admin('GET', `/channels/${channel.id}`)).body)).not.toContain(secretOf(webhook));
    // The secret and the id Unipile gave the webhook are kept in the sealed credentials.
    const row = await dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id });
    expect(new CredentialsCipher(CREDENTIALS_KEY).open(channel.id, row.credentials)).toMatchObject({
      webhook_secret: secretOf(webhook),
      webhook_id: webhook.id,
    });
  });

  describe('calls from Unipile', () => {
    let channel: Json;
    let webhook: FakeUnipileWebhook;

    beforeAll(async () => {
      channel = await createChannel();
      webhook = only(channel.webhook_url);
    });

    it('a message_received with the secret header → 200 {"ok":true}, on webhook.inbound.unipile', async () => {
      const response = await deliver(webhook, fixture('message-received'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      const [message, ...rest] = await probe.drain(INBOUND_QUEUE);
      expect(rest).toEqual([]);
      expect(message.fields).toMatchObject({ exchange: 'webhook.inbound', routingKey: 'webhook.inbound.unipile' });
      const event = JSON.parse(message.content.toString());
      expect(message.properties.messageId).toBe(event.event_id);
      expect(event).toMatchObject({
        channel_id: channel.id,
        account_id: ACCOUNT_ID,
        channel_type: 'unipile',
        provider_message_id: 'ykmhfXlRW0W_cqReJYrfBw',
        sender_address: 'ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E',
        sender_name: 'Kim Unipile',
        message_body: 'Hello World !',
      });
    });

    it('a message_read of a message the account sent → message.status.read', async () => {
      expect((await deliver(webhook, fixture('message-read'))).status).toBe(200);
      const [message, ...rest] = await probe.drain(STATUS_QUEUE);
      expect(rest).toEqual([]);
      expect(message.fields.routingKey).toBe('message.status.read');
      expect(JSON.parse(message.content.toString())).toMatchObject({ provider_message_id: 'ykmhfXlRW0W_cqReJYrfBw', status: 'read' });
    });

    it('other events → 200, nothing published, counted as skipped', async () => {
      expect((await deliver(webhook, fixture('message-reaction'))).status).toBe(200);
      expect((await deliver(webhook, fixture('message-received-from-own-account'))).status).toBe(200);
      expect(await published()).toEqual([]);
      const registry = gateway.app.get<Registry>(METRICS_REGISTRY);
      const skipped = (await registry.getSingleMetric('gateway_webhook_items_skipped_total')?.get())?.values ?? [];
      expect(skipped).toContainEqual(
        expect.objectContaining({ labels: { channel_type: 'unipile', reason: 'unknown_event_type' }, value: 1 }),
      );
      expect(skipped).toContainEqual(expect.objectContaining({ labels: { channel_type: 'unipile', reason: 'own_message' }, value: 1 }));
    });

    it.each([
      ['without the secret header', (): Record<string, string> => ({})],
      ['with a wrong secret', () => ({ [SECRET_HEADER]: 'n3Qy0c2l8VbJx9mZkRr5W1tE4uH6sA7dF0gJ2hK3lPo' })],
      ['with the secret under another header', () => ({ 'X-Webhook-Signature': secretOf(webhook) })],
    ])('a forged call %s → 401, nothing published', async (_what, forged) => {
      const response = await postRaw(channel.webhook_url, fixture('message-received'), { 'content-type': 'application/json', ...forged() });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
      expect(await published()).toEqual([]);
    });

    it.each([
      ['not JSON', '{"event": "message_received", "message_id": '],
      ['a JSON array', '[1, 2]'],
      ['no event', '{"message_id": "x"}'],
      ['a message without message_id', JSON.stringify({ ...JSON.parse(fixture('message-received')), message_id: null })],
      ['a sender without provider id', JSON.stringify({ ...JSON.parse(fixture('message-received')), sender: { attendee_name: 'Kim' } })],
    ])('a call with the secret whose body is %s → 400, nothing published', async (_what, body) => {
      const response = await deliver(webhook, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as Json).error).toBe('invalid_payload');
      expect(await published()).toEqual([]);
    });

    it('mutated bodies with the secret are never 5xx and publish nothing they cannot read', async () => {
      const original = fixture('message-received');
      const statuses = new Set<number>();
      for (let cut = 0; cut < original.length; cut += 37) {
        const response = await deliver(webhook, original.slice(0, cut) + original.slice(cut + 5));
        statuses.add(response.status);
        await response.arrayBuffer();
      }
      expect([...statuses].every((status) => status === 200 || status === 400)).toBe(true);
      expect(statuses.has(400)).toBe(true);
    });
  });

  describe('keeping exactly one webhook', () => {
    it('a duplicate injected by hand is deleted by register-webhook, keeping the one in use', async () => {
      const channel = await createChannel();
      const kept = only(channel.webhook_url);
      const copy = unipile.inject({ request_url: channel.webhook_url, headers: kept.headers });
      const stranger = unipile.inject({ request_url: channel.webhook_url });
      expect(await registerWebhook(channel.id)).toMatchObject({ status: 'registered' });
      expect(only(channel.webhook_url).id).toBe(kept.id);
      expect(
        unipile
          .callsOf('DELETE')
          .map((call) => call.path)
          .sort(),
      ).toEqual([`/api/v1/webhooks/${copy}`, `/api/v1/webhooks/${stranger}`].sort());
    });

    it('a duplicate is deleted by the next gateway start too (its reconciliation pass)', async () => {
      const channel = await createChannel();
      const kept = only(channel.webhook_url);
      unipile.inject({ request_url: channel.webhook_url, headers: kept.headers });
      expect(unipile.webhooksFor(channel.webhook_url)).toHaveLength(2);
      const restarted = await startGateway(gatewayEnv());
      try {
        await waitFor(() => unipile.webhooksFor(channel.webhook_url).length === 1, { timeoutMs: 10_000, description: 'the copy deleted' });
        expect(only(channel.webhook_url).id).toBe(kept.id);
      } finally {
        await restarted.stop();
      }
    });

    it('a secret header changed in the dashboard is repaired: a new webhook with our secret, the old one deleted', async () => {
      const channel = await createChannel();
      const before = only(channel.webhook_url);
      unipile.edit(before.id, { headers: [{ key: SECRET_HEADER, value: 'edited-in-the-dashboard' }] });
      // Meanwhile Unipile's calls carry a secret we never gave: refused.
      expect((await deliver(unipile.webhooksFor(channel.webhook_url)[0], fixture('message-received'))).status).toBe(401);
      expect(await registerWebhook(channel.id)).toMatchObject({ status: 'registered' });
      const after = only(channel.webhook_url);
      expect(after.id).not.toBe(before.id);
      expect(secretOf(after)).toBe(secretOf(before));
      expect((await deliver(after, fixture('message-received'))).status).toBe(200);
    });

    it('deactivating the channel deletes its webhook; its calls then find no channel', async () => {
      const channel = await createChannel();
      const webhook = only(channel.webhook_url);
      const { status, body } = await admin('PATCH', `/channels/${channel.id}`, { is_active: false });
      expect(status).toBe(200);
      expect(body.webhook).toMatchObject({ status: 'unregistered' });
      expect(unipile.webhooksFor(channel.webhook_url)).toEqual([]);
      expect(unipile.callsOf('DELETE').map((call) => call.path)).toEqual([`/api/v1/webhooks/${webhook.id}`]);
      expect((await deliver(webhook, fixture('message-received'))).status).toBe(404);
    });

    it("a refusal leaves failed with Unipile's own message, and a later register-webhook succeeds", async () => {
      unipile.refuseAll(UNIPILE_INVALID_CREDENTIALS);
      const channel = await createChannel();
      const failure = {
        status: 'failed',
        url: channel.webhook_url,
        error: 'listing the webhooks: HTTP 401 errors/invalid_credentials: Invalid credentials: The provided credentials are invalid.',
        failed_at: expect.any(String),
      };
      expect(channel.webhook).toEqual(failure);
      expect(await registerWebhook(channel.id)).toEqual(failure);
      expect((await admin('GET', `/channels/${channel.id}`)).body.webhook).toEqual(failure);
      expect(unipile.allWebhooks()).toEqual([]);

      unipile.acceptAgain();
      expect(await registerWebhook(channel.id)).toMatchObject({ status: 'registered', url: channel.webhook_url });
      const webhook = only(channel.webhook_url);
      // The secret made at creation, stored before the first attempt, is the one Unipile now sends.
      expect((await deliver(webhook, fixture('message-received'))).status).toBe(200);
    });
  });

  describe('gateway replicas starting together', () => {
    const ROUNDS = 20;
    const REPLICAS = 5;

    /** One built gateway process; its `webhooks reconciled` log line ends its start-up pass. */
    const startReplica = async (): Promise<AppProcess> =>
      startBuiltApp('webhook-gateway', {
        ...gatewayEnv(),
        NODE_ENV: 'test',
        PORT: String(await freePort()),
        CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64'),
        WEBHOOK_BASE_URL: 'https://hooks.example.test',
        LOG_LEVEL: 'info',
      });
    const reconciled = (replica: AppProcess) => replica.output().stdout.includes('"msg":"webhooks reconciled"');

    it(`${REPLICAS} gateway processes started at the same moment, ${ROUNDS} times: exactly one webhook per channel each time`, async () => {
      await createChannel();
      // Every active unipile channel of this database (those of the tests above too) is reconciled by each replica.
      const active: Array<{ id: string }> = await dataSource.query(`SELECT id FROM channels WHERE is_active AND channel_type = 'unipile'`);
      const urls = active.map(({ id }) => `https://hooks.example.test/webhooks/unipile/${id}`);
      const webhooksPerUrl: number[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        unipile.reset();
        // Replicas that list a channel's webhooks list them together (up to 2 s apart), so without the lock all would create.
        unipile.gateLists(REPLICAS, 2_000);
        const replicas = await Promise.all(Array.from({ length: REPLICAS }, startReplica));
        try {
          await waitFor(() => replicas.every(reconciled), {
            timeoutMs: 60_000,
            description: `round ${round}: every replica's start-up pass`,
          });
        } finally {
          for (const replica of replicas) replica.child.kill('SIGTERM');
          const exits = await Promise.all(replicas.map((replica) => replica.exited));
          await Promise.all(replicas.map((replica) => killIfRunning(replica)));
          expect(exits).toEqual(Array(REPLICAS).fill(0));
        }
        webhooksPerUrl.push(urls.map((url) => unipile.webhooksFor(url).length));
      }
      expect(webhooksPerUrl).toEqual(Array.from({ length: ROUNDS }, () => urls.map(() => 1)));
    }, 300_000);
  });
});

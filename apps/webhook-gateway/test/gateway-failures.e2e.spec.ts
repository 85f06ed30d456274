import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { connect } from 'amqplib';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { adminDatabaseUrl, createIsolatedInfra, dropIsolatedInfra, type IsolatedInfra, waitFor } from '@inbound/testing';
import { migratedDataSource, QueueProbe, seedChannel, startGateway, type RunningGateway } from './support/gateway-harness';
import { metaSignature, post } from './support/signing';

const run = promisify(execFile);
const APP_SECRET = 'whatsapp-app-secret-for-tests';
const body = readFileSync(join(__dirname, '../../../libs/adapters/src/whatsapp/fixtures/status-delivered.json'), 'utf8');
const headers = { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) };

/**
 * Dependencies that go away: each case gets its own database and virtual host, so taking
 * them down touches nothing else.
 */
describe('gateway when a dependency goes away', () => {
  let infra: IsolatedInfra;
  let gateway: RunningGateway | undefined;
  let channelId: string;

  beforeEach(async () => {
    infra = await createIsolatedInfra('gwfail');
    const dataSource = await migratedDataSource(infra.databaseUrl);
    channelId = (await seedChannel(dataSource, 'whatsapp', { app_secret: APP_SECRET })).id;
    await dataSource.destroy();
    const probe = await QueueProbe.open(infra.rabbitmqUrl);
    await probe.close();
    gateway = await startGateway({ DATABASE_URL: infra.databaseUrl, RABBITMQ_URL: infra.rabbitmqUrl, PUBLISH_CONFIRM_TIMEOUT_MS: '1000' });
  });

  afterEach(async () => {
    await gateway?.stop().catch(() => undefined);
    await dropIsolatedInfra(infra);
  });

  const spoolDepth = async () => {
    const client = new Client({ connectionString: infra.databaseUrl });
    await client.connect();
    try {
      return Number((await client.query('SELECT count(*) AS n FROM webhook_spool')).rows[0].n);
    } finally {
      await client.end();
    }
  };

  it('answers 200 while RabbitMQ is unreachable, keeping the events in the spool, and relays them when it is back', async () => {
    const url = `${gateway!.baseUrl}/webhooks/whatsapp/${channelId}`;
    expect((await post(url, body, headers)).status).toBe(200);

    // Deleting the virtual host closes the gateway's connection and refuses reconnects.
    await run('rabbitmqctl', ['delete_vhost', infra.vhost]);
    const during = await post(url, body, headers);
    expect(during.status).toBe(200);
    expect(await spoolDepth()).toBe(1);
    expect((await fetch(`${gateway!.baseUrl}/health/ready`)).status).toBe(503);
    // The spool takes calls: the replica stays in the Service.
    const accepting = await fetch(`${gateway!.baseUrl}/health/accepting`);
    expect(accepting.status).toBe(200);
    expect(await accepting.json()).toEqual({
      status: 'accepting',
      checks: { postgres: 'up', rabbitmq: 'down' },
      service: 'webhook-gateway',
    });
    const metrics = await (await fetch(`${gateway!.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_events_spooled_total\{channel_type="whatsapp",service="webhook-gateway"\} 1/);

    await run('rabbitmqctl', ['add_vhost', infra.vhost]);
    await run('rabbitmqctl', ['set_permissions', '-p', infra.vhost, 'guest', '.*', '.*', '.*']);
    const probe = await QueueProbe.open(infra.rabbitmqUrl);
    try {
      // The relay reconnects (declaring the queues again) and publishes the spooled event, oldest first.
      await waitFor(async () => (await probe.count(STATUS_QUEUE)) === 1 && (await spoolDepth()) === 0, {
        timeoutMs: 15_000,
        description: 'the spool relayed',
      });
      const [relayed] = await probe.drain(STATUS_QUEUE);
      expect(JSON.parse(relayed.content.toString())).toMatchObject({ channel_id: channelId, status: 'delivered' });
      expect(relayed.properties.messageId).toBe(JSON.parse(relayed.content.toString()).event_id);
      expect((await post(url, body, headers)).status).toBe(200);
      expect(await probe.count(STATUS_QUEUE)).toBe(1);
      expect(await probe.count(INBOUND_QUEUE)).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('answers 503 only when neither RabbitMQ nor the spool can take the events', async () => {
    const url = `${gateway!.baseUrl}/webhooks/whatsapp/${channelId}`;
    expect((await post(url, body, headers)).status).toBe(200); // the channel is cached now
    await run('rabbitmqctl', ['delete_vhost', infra.vhost]);
    const admin = new Client({ connectionString: adminDatabaseUrl(infra.databaseUrl) });
    await admin.connect();
    await admin.query(`DROP DATABASE "${infra.databaseName}" WITH (FORCE)`);
    await admin.end();
    const during = await post(url, body, headers);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toEqual({ error: 'unavailable' });
    expect((await fetch(`${gateway!.baseUrl}/health/accepting`)).status).toBe(503);
  });

  it('answers 503 when PostgreSQL is gone and the channel is not cached', async () => {
    const admin = new Client({ connectionString: adminDatabaseUrl(infra.databaseUrl) });
    await admin.connect();
    await admin.query(`DROP DATABASE "${infra.databaseName}" WITH (FORCE)`);
    await admin.end();
    const response = await post(`${gateway!.baseUrl}/webhooks/whatsapp/${channelId}`, body, headers);
    expect(response.status).toBe(503);
    expect((await fetch(`${gateway!.baseUrl}/health/ready`)).status).toBe(503);
    // The probe Kubernetes uses asks only whether calls can be accepted: the broker is up, and
    // channels already cached are still served, so the replica stays in the Service.
    const accepting = await fetch(`${gateway!.baseUrl}/health/accepting`);
    expect(accepting.status).toBe(200);
    expect(await accepting.json()).toEqual({
      status: 'accepting',
      checks: { postgres: 'down', rabbitmq: 'up' },
      service: 'webhook-gateway',
    });
  });
});

describe('gateway on a fresh virtual host, before any worker', () => {
  let infra: IsolatedInfra;
  let gateway: RunningGateway | undefined;
  let channelId: string;
  let mailgunId: string;
  const SIGNING_KEY = 'mailgun-signing-key-for-tests';

  beforeAll(async () => {
    infra = await createIsolatedInfra('gwfresh');
    const dataSource = await migratedDataSource(infra.databaseUrl);
    channelId = (await seedChannel(dataSource, 'whatsapp', { app_secret: APP_SECRET })).id;
    mailgunId = (await seedChannel(dataSource, 'email', { provider: 'mailgun', signing_key: SIGNING_KEY })).id;
    await dataSource.destroy();
    // Nothing declares the queues but the gateway itself.
    gateway = await startGateway({ DATABASE_URL: infra.databaseUrl, RABBITMQ_URL: infra.rabbitmqUrl, PUBLISH_CONFIRM_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await gateway?.stop().catch(() => undefined);
    await dropIsolatedInfra(infra);
  });

  const send = () => post(`${gateway?.baseUrl}/webhooks/whatsapp/${channelId}`, body, headers);

  it('declares the queues it publishes to, so an answered call is on a queue', async () => {
    expect((await send()).status).toBe(200);
    const probe = await QueueProbe.open(infra.rabbitmqUrl);
    expect(await probe.count(STATUS_QUEUE)).toBe(1);
    await probe.purge();
    await probe.close();
  });

  it('spools an event that reaches no queue instead of confirming it lost, then relays it once the queue is back', async () => {
    const connection = await connect(infra.rabbitmqUrl);
    const channel = await connection.createChannel();
    await channel.deleteQueue(STATUS_QUEUE);
    expect((await send()).status).toBe(200);
    // The return made the gateway declare its topology again; the relay then publishes the spooled
    // event. Each look uses a channel of its own: a look at a missing queue closes its channel.
    const queued = async () => {
      const look = await connection.createChannel();
      look.on('error', () => undefined);
      try {
        return (await look.checkQueue(STATUS_QUEUE)).messageCount;
      } catch {
        return -1;
      } finally {
        await look.close().catch(() => undefined);
      }
    };
    await waitFor(async () => (await queued()) === 1, { timeoutMs: 15_000, description: 'the spooled event on the queue' });
    await connection.close();
  });

  it('takes Mailgun’s retry of a call it answered 503: the token counts as used only once accepted', async () => {
    const mailgun = JSON.parse(readFileSync(join(__dirname, '../../../libs/adapters/src/mailgun/fixtures/failed-permanent.json'), 'utf8'));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = `token-${Date.now()}`;
    mailgun.signature = {
      timestamp,
      token,
      signature: createHmac('sha256', SIGNING_KEY)
        .update(timestamp + token)
        .digest('hex'),
    };
    const call = () =>
      post(`${gateway?.baseUrl}/webhooks/email/${mailgunId}`, JSON.stringify(mailgun), { 'content-type': 'application/json' });
    // Neither the broker (the queue is gone) nor the spool (its table is renamed away) can take it.
    const connection = await connect(infra.rabbitmqUrl);
    const channel = await connection.createChannel();
    await channel.deleteQueue(STATUS_QUEUE);
    const database = new Client({ connectionString: infra.databaseUrl });
    await database.connect();
    await database.query('ALTER TABLE webhook_spool RENAME TO webhook_spool_away');
    try {
      expect((await call()).status).toBe(503);
    } finally {
      await database.query('ALTER TABLE webhook_spool_away RENAME TO webhook_spool');
      await database.end();
    }
    await waitFor(async () => (await call()).status === 200, { description: 'the retry accepted', intervalMs: 100 });
    // Accepted once: from now on the same signed call is a replay.
    expect((await call()).status).toBe(401);
    await connection.close();
  });
});

import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/messaging';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { adminDatabaseUrl, createIsolatedInfra, dropIsolatedInfra, type IsolatedInfra } from '@inbound/testing';
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

  it('answers 503 while RabbitMQ is unreachable, publishes nothing, and recovers when it is back', async () => {
    const url = `${gateway!.baseUrl}/webhooks/whatsapp/${channelId}`;
    expect((await post(url, body, headers)).status).toBe(200);

    // Deleting the virtual host closes the gateway's connection and refuses reconnects.
    await run('rabbitmqctl', ['delete_vhost', infra.vhost]);
    const during = await post(url, body, headers);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toEqual({ error: 'unavailable' });
    const ready = await fetch(`${gateway!.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);

    await run('rabbitmqctl', ['add_vhost', infra.vhost]);
    await run('rabbitmqctl', ['set_permissions', '-p', infra.vhost, 'guest', '.*', '.*', '.*']);
    const probe = await QueueProbe.open(infra.rabbitmqUrl);
    try {
      expect(await probe.count(STATUS_QUEUE)).toBe(0); // nothing half-published
      expect((await post(url, body, headers)).status).toBe(200);
      expect(await probe.count(STATUS_QUEUE)).toBe(1);
      expect(await probe.count(INBOUND_QUEUE)).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('answers 503 when PostgreSQL is gone and the channel is not cached', async () => {
    const admin = new Client({ connectionString: adminDatabaseUrl(infra.databaseUrl) });
    await admin.connect();
    await admin.query(`DROP DATABASE "${infra.databaseName}" WITH (FORCE)`);
    await admin.end();
    const response = await post(`${gateway!.baseUrl}/webhooks/whatsapp/${channelId}`, body, headers);
    expect(response.status).toBe(503);
    expect((await fetch(`${gateway!.baseUrl}/health/ready`)).status).toBe(503);
  });
});

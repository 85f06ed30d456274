import { CredentialsCipher } from '@inbound/domain';
import { adminDatabaseUrl, createIsolatedInfra, dropIsolatedInfra, type IsolatedInfra, TcpProxy, waitFor } from '@inbound/testing';
import { createDataSource } from '@inbound/domain';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { ChannelDirectory } from '../src/app/webhooks/channel-directory';
import { CREDENTIALS_KEY, migratedDataSource, seedChannel } from './support/gateway-harness';

/** The channel cache on a real PostgreSQL that goes away (its own database, dropped mid-test). */
describe('ChannelDirectory when PostgreSQL goes away', () => {
  let infra: IsolatedInfra;
  let dataSource: DataSource;
  let registry: Registry;

  beforeAll(async () => {
    infra = await createIsolatedInfra('directory');
    dataSource = await migratedDataSource(infra.databaseUrl);
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await dropIsolatedInfra(infra);
  });

  const staleServed = async () => (await registry.getSingleMetric('gateway_channel_stale_served_total')?.get())?.values[0]?.value ?? 0;

  it('serves the last good entry past its lifetime, for a bounded time, and fails for a channel it never saw', async () => {
    const seen = await seedChannel(dataSource, 'whatsapp', { app_secret: 'secret' });
    const neverSeen = await seedChannel(dataSource, 'whatsapp', { app_secret: 'secret' });
    registry = new Registry();
    const directory = new ChannelDirectory(
      dataSource,
      new CredentialsCipher(CREDENTIALS_KEY),
      { ttlMs: 50, negativeTtlMs: 50, maxEntries: 100, staleLimitMs: 1_500, staleRetryMs: 100, staleWaitMs: 200 },
      registry,
    );
    expect(await directory.find(seen.id)).toMatchObject({ id: seen.id, credentials: { app_secret: 'secret' } });

    const admin = new Client({ connectionString: adminDatabaseUrl(infra.databaseUrl) });
    await admin.connect();
    await admin.query(`DROP DATABASE "${infra.databaseName}" WITH (FORCE)`);
    await admin.end();

    // Once the 50 ms lifetime is over, the reload fails and the last good entry answers.
    await waitFor(async () => (await directory.find(seen.id))?.id === seen.id && (await staleServed()) >= 1, {
      description: 'a stale answer',
    });
    await expect(directory.find(neverSeen.id)).rejects.toThrow();
    // Past the stale limit it is not trusted any more: the lookup fails (the gateway answers 503).
    await waitFor(
      async () =>
        directory.find(seen.id).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 5_000, description: 'the stale limit' },
    );
  });

  it('answers from the last good entry within staleWaitMs when the reload hangs (a partition)', async () => {
    const other = await createIsolatedInfra('directory_partition');
    const seeding = await migratedDataSource(other.databaseUrl);
    const channel = await seedChannel(seeding, 'whatsapp', { app_secret: 'secret' });
    await seeding.destroy();
    const target = new URL(other.databaseUrl);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(other.databaseUrl);
    viaProxy.port = String(proxy.port);
    const partitioned = createDataSource({ url: viaProxy.toString(), poolSize: 1 });
    await partitioned.initialize();
    try {
      const metrics = new Registry();
      const directory = new ChannelDirectory(
        partitioned,
        new CredentialsCipher(CREDENTIALS_KEY),
        { ttlMs: 50, negativeTtlMs: 50, maxEntries: 100, staleLimitMs: 60_000, staleRetryMs: 100, staleWaitMs: 200 },
        metrics,
      );
      expect(await directory.find(channel.id)).toMatchObject({ id: channel.id });
      proxy.blackhole();
      // The pooled connection stays open and the query never returns; the call must not wait for it.
      await waitFor(
        async () =>
          (await directory.find(channel.id))?.id === channel.id &&
          ((await metrics.getSingleMetric('gateway_channel_stale_served_total')?.get())?.values[0]?.value ?? 0) >= 1,
        {
          timeoutMs: 5_000,
          description: 'a stale answer while the query hangs',
        },
      );
    } finally {
      proxy.restore();
      await proxy.stop();
      await partitioned.destroy().catch(() => undefined);
      await dropIsolatedInfra(other);
    }
  });
});

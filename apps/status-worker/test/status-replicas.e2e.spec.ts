import { type AppProcess, freePort, killIfRunning, startBuiltApp, waitFor } from '@inbound/testing';
import type { DataSource } from 'typeorm';
import {
  at,
  counterFromText,
  type FileInfra,
  migratedDataSource,
  openFileInfra,
  StatusBus,
  statusEvent,
  StatusFixtures,
} from './support/status-worker-harness';

/** Two replicas of the built worker on one queue: redeliveries and duplicates land on both. */
describe('status-worker replicas', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let fixtures: StatusFixtures;
  let bus: StatusBus;
  const replicas: Array<{ app: AppProcess; base: string }> = [];

  beforeAll(async () => {
    infra = await openFileInfra('replicas');
    dataSource = await migratedDataSource(infra);
    fixtures = new StatusFixtures(dataSource);
    bus = await StatusBus.open(infra);
  });

  afterAll(async () => {
    for (const { app } of replicas) await killIfRunning(app);
    await bus?.close();
    await dataSource?.destroy();
    await infra?.drop();
  });

  async function startReplica(): Promise<{ app: AppProcess; base: string }> {
    const port = await freePort();
    const app = startBuiltApp('status-worker', {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      HEALTH_PORT: String(port),
      PREFETCH_COUNT: '20',
      RETRY_FIRST_DELAY_MS: '200',
      RETRY_WINDOW_MS: '1000',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok, { timeoutMs: 20_000, description: 'a replica ready' });
    return { app, base };
  }

  const metricsOf = async (base: string) => (await fetch(`${base}/metrics`)).text();

  it('moves every counter once per message when the same events arrive 3× on two replicas at once', async () => {
    replicas.push(await startReplica(), await startReplica());
    const channelId = await fixtures.channel();
    const groupId = await fixtures.group(channelId, 300);
    await fixtures.outboundMany(channelId, groupId, 300, 'wamid.REPLICA');

    // Per message: delivered and read; every tenth also a failure, which wins or loses by arrival.
    const events = Array.from({ length: 300 }, (_, n) => {
      const id = `wamid.REPLICA${n}`;
      const own = [
        statusEvent({ channel_id: channelId, provider_message_id: id, status: 'delivered', timestamp: at(2) }),
        statusEvent({ channel_id: channelId, provider_message_id: id, status: 'read', timestamp: at(3) }),
      ];
      if (n % 10 === 0)
        own.push(statusEvent({ channel_id: channelId, provider_message_id: id, status: 'failed', timestamp: at(1), error_code: 'E' }));
      return own;
    }).flat();
    // Each event three times, the copies spread over the stream (a provider retrying, a redelivery).
    await bus.publish(...events, ...[...events].reverse(), ...events);
    const published = events.length * 3;

    const settledPerReplica = await waitFor(
      async () => {
        const texts = await Promise.all(replicas.map(({ base }) => metricsOf(base)));
        const settled = texts.map(
          (text) => counterFromText(text, 'worker_events_applied_total') + counterFromText(text, 'worker_events_ignored_total'),
        );
        return settled.reduce((a, b) => a + b, 0) === published ? settled : undefined;
      },
      { timeoutMs: 30_000, description: `${published} events settled across both replicas` },
    );
    expect(settledPerReplica.every((settled) => settled > 0)).toBe(true);

    const rows = await dataSource.query<Array<{ status: string; read: boolean }>>(
      `SELECT status, metadata_ ? 'read_at' AS read FROM messages WHERE group_message_id = $1`,
      [groupId],
    );
    const delivered = rows.filter((row) => row.status === 'delivered').length;
    const failed = rows.filter((row) => row.status === 'failed').length;
    expect(delivered + failed).toBe(300);
    expect(await fixtures.groupRow(groupId)).toEqual({
      total_count: 300,
      delivered_count: delivered,
      failed_count: failed,
      read_count: rows.filter((row) => row.read).length,
      status: 'completed',
    });
    const texts = await Promise.all(replicas.map(({ base }) => metricsOf(base)));
    for (const text of texts) {
      expect(counterFromText(text, 'worker_events_dead_lettered_total')).toBe(0);
      expect(counterFromText(text, 'worker_events_retried_total')).toBe(0);
    }

    for (const { app } of replicas) app.child.kill('SIGTERM');
    expect(await Promise.all(replicas.map(({ app }) => app.exited))).toEqual([0, 0]);
  });
});

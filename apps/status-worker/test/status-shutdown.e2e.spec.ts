import { type AppProcess, freePort, killIfRunning, startBuiltApp, waitFor } from '@inbound/testing';
import type { DataSource } from 'typeorm';
import {
  at,
  type FileInfra,
  migratedDataSource,
  openFileInfra,
  StatusBus,
  statusEvent,
  StatusFixtures,
} from './support/status-worker-harness';

const GROUPS = 4;
const PER_GROUP = 2_500;

/** SIGTERM in the middle of a status storm: what was in hand is finished and acked, nothing twice. */
describe('status-worker stopped mid-stream', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let fixtures: StatusFixtures;
  let bus: StatusBus;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    infra = await openFileInfra('shutdown');
    dataSource = await migratedDataSource(infra);
    fixtures = new StatusFixtures(dataSource);
    bus = await StatusBus.open(infra);
  });

  afterAll(async () => {
    await killIfRunning(app);
    await bus?.close();
    await dataSource?.destroy();
    await infra?.drop();
  });

  async function start(): Promise<AppProcess> {
    return startBuiltApp('status-worker', {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      HEALTH_PORT: String(await freePort()),
      RETRY_FIRST_DELAY_MS: '200',
      RETRY_WINDOW_MS: '1000',
    });
  }

  const deliveredRows = async (channelId: string) =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM messages WHERE channel_id = $1 AND status = 'delivered'`, [channelId]))[0].n);

  it('loses nothing and applies nothing twice across SIGTERM and a restart', async () => {
    const channelId = await fixtures.channel();
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const groupId = await fixtures.group(channelId, PER_GROUP);
      await fixtures.outboundMany(channelId, groupId, PER_GROUP, `wamid.STOP${g}-`);
      groups.push(groupId);
    }
    const events = groups.flatMap((_, g) =>
      Array.from({ length: PER_GROUP }, (__, n) => `wamid.STOP${g}-${n}`).flatMap((id) =>
        ['sent', 'delivered', 'read'].map((status, step) =>
          statusEvent({ channel_id: channelId, provider_message_id: id, status, timestamp: at(step + 1) }),
        ),
      ),
    );
    // Shuffled, as a storm arrives.
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    await bus.publish(...events);

    app = await start();
    await waitFor(async () => (await deliveredRows(channelId)) > 0, { timeoutMs: 20_000, description: 'the first batches applied' });
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    // It stopped mid-stream: events are left for the next process.
    expect(await bus.queueDepth()).toBeGreaterThan(0);

    app = await start();
    await waitFor(
      async () => {
        const counts = await Promise.all(groups.map((id) => fixtures.groupRow(id)));
        return counts.every((group) => group.read_count === PER_GROUP) && (await bus.queueDepth()) === 0;
      },
      { timeoutMs: 60_000, description: 'every event applied after the restart' },
    );
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    for (const groupId of groups) {
      expect(await fixtures.groupRow(groupId)).toEqual({
        total_count: PER_GROUP,
        delivered_count: PER_GROUP,
        failed_count: 0,
        read_count: PER_GROUP,
        status: 'completed',
      });
    }
    const [state] = await dataSource.query(
      `SELECT count(*)::int AS messages,
              count(*) FILTER (WHERE status = 'delivered' AND sent_at = $2 AND delivered_at = $3 AND metadata_->>'read_at' = $4)::int AS complete
       FROM messages WHERE channel_id = $1`,
      [channelId, at(1), at(2), at(3)],
    );
    expect(state).toEqual({ messages: GROUPS * PER_GROUP, complete: GROUPS * PER_GROUP });
  }, 120_000);
});

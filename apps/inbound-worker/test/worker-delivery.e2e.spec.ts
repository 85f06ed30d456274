import type { Channel } from '@inbound/domain';
import { type AppProcess, freePort, killIfRunning, startBuiltApp, waitFor } from '@inbound/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inboundEvents, type ChatChannelType } from './support/inbound-events';
import { countInboundRows, InboundBus, migratedDataSource, seedChannels } from './support/inbound-harness';

/**
 * The built worker as deployed (`dist/apps/inbound-worker/main.js`): several instances on
 * one queue, and SIGTERM in the middle of a stream.
 */
describe('inbound-worker processes: delivery guarantees', () => {
  let dataSource: DataSource;
  let bus: InboundBus;
  let channels: Record<ChatChannelType, Channel>;
  let channelIds: string[];
  const running: AppProcess[] = [];

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    bus = await InboundBus.open();
    channels = await seedChannels(dataSource);
    channelIds = Object.values(channels).map((channel) => channel.id);
  });

  beforeEach(async () => {
    await bus.purge();
  });

  afterEach(async () => {
    for (const app of running.splice(0)) await killIfRunning(app);
  });

  afterAll(async () => {
    await bus?.close();
    await dataSource?.destroy();
  });

  async function startWorker(env: Record<string, string> = {}): Promise<{ app: AppProcess; base: string }> {
    const port = await freePort();
    const app = startBuiltApp('inbound-worker', {
      DATABASE_URL: process.env.DATABASE_URL,
      RABBITMQ_URL: process.env.RABBITMQ_URL,
      HEALTH_PORT: String(port),
      ...env,
    });
    running.push(app);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok, { timeoutMs: 20_000, description: 'the worker to be ready' });
    return { app, base };
  }

  async function counter(base: string, name: string): Promise<number> {
    const text = await (await fetch(`${base}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  async function handled(base: string): Promise<number> {
    return (await counter(base, 'worker_events_applied_total')) + (await counter(base, 'worker_events_duplicate_total'));
  }

  it('stores each message once when every event arrives five times, interleaved, at two competing instances', async () => {
    const first = await startWorker({ PREFETCH_COUNT: '20' });
    const second = await startWorker({ PREFETCH_COUNT: '20' });
    const types = Object.keys(channels) as ChatChannelType[];
    const events = Array.from({ length: 200 }, (_, i) => inboundEvents[types[i % types.length]](channels[types[i % types.length]]));
    // Five rounds, each in a different order: copies of one event meet in different batches.
    for (let round = 0; round < 5; round += 1) {
      const order = round % 2 === 0 ? events : [...events].reverse();
      await bus.publish(order.map((event) => ({ ...event })));
    }

    await waitFor(async () => (await handled(first.base)) + (await handled(second.base)) === 1_000, {
      timeoutMs: 30_000,
      description: 'all 1,000 deliveries handled',
    });
    expect((await handled(first.base)) > 0 && (await handled(second.base)) > 0).toBe(true);
    expect((await counter(first.base, 'worker_events_applied_total')) + (await counter(second.base, 'worker_events_applied_total'))).toBe(
      200,
    );
    const perMessage = await dataSource.query<Array<{ provider_message_id: string; count: number }>>(
      `SELECT metadata_->>'provider_message_id' AS provider_message_id, count(*)::int AS count
       FROM messages WHERE direction = 'inbound' AND metadata_->>'event_id' = ANY($1::text[])
       GROUP BY 1`,
      [events.map((event) => event.event_id)],
    );
    expect(perMessage).toHaveLength(200);
    expect(perMessage.every((row) => row.count === 1)).toBe(true);
    expect(await bus.messageCount('webhook.inbound.dlq')).toBe(0);
  });

  it('loses nothing when stopped with SIGTERM mid-stream: after a restart every message is stored exactly once', async () => {
    await dataSource.query(`DELETE FROM messages WHERE channel_id = ANY($1::uuid[])`, [channelIds]);
    const total = 20_000;
    const types = Object.keys(channels) as ChatChannelType[];
    const events = Array.from({ length: total }, (_, i) =>
      inboundEvents[types[i % types.length]](channels[types[i % types.length]], { message_body: `message ${i} ${randomUUID()}` }),
    );
    for (let start = 0; start < total; start += 2_000) await bus.publish(events.slice(start, start + 2_000));

    const { app } = await startWorker();
    // Full-size batches are flowing by then.
    await waitFor(async () => (await countInboundRows(dataSource, channelIds)) >= 2_000, {
      timeoutMs: 20_000,
      description: 'the first 2,000 rows',
    });
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output().stderr).toBe('');
    const storedBeforeRestart = await countInboundRows(dataSource, channelIds);

    const restarted = await startWorker();
    await waitFor(async () => (await countInboundRows(dataSource, channelIds)) === total, {
      timeoutMs: 60_000,
      description: `all ${total} rows (${storedBeforeRestart} stored before the restart)`,
    });
    // What the first process stored, it also acked before exiting: nothing comes back twice.
    const handledAfterRestart = async () =>
      `applied ${await counter(restarted.base, 'worker_events_applied_total')}, duplicates ${await counter(restarted.base, 'worker_events_duplicate_total')}`;
    await waitFor(async () => (await handled(restarted.base)) === total - storedBeforeRestart, { description: 'the rest handled' }).catch(
      async (error: Error) => {
        throw new Error(`${error.message} (${await handledAfterRestart()}, ${storedBeforeRestart} stored before the restart)`);
      },
    );
    expect(await counter(restarted.base, 'worker_events_duplicate_total')).toBe(0);
    const [{ distinct }] = await dataSource.query<Array<{ distinct: number }>>(
      `SELECT count(DISTINCT metadata_->>'event_id')::int AS distinct FROM messages WHERE channel_id = ANY($1::uuid[])`,
      [channelIds],
    );
    expect(distinct).toBe(total);
    await waitFor(async () => (await bus.messageCount('webhook.inbound')) === 0, { description: 'an empty queue' });
    expect(await bus.messageCount('webhook.inbound.dlq')).toBe(0);
  });
});

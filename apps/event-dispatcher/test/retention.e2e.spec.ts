import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { waitFor } from '@inbound/testing';
import {
  migratedDataSource,
  seedSubscription,
  startDispatcher,
  writeOutboxEvent,
  type RunningDispatcher,
} from './support/dispatcher-harness';

const DAY_MS = 24 * 3_600_000;

describe('event-dispatcher: retention of the outbox and the delivery log', () => {
  let dataSource: DataSource;
  let dispatcher: RunningDispatcher | undefined;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await dataSource?.destroy();
  });

  /** A delivery as the dispatcher leaves it, last changed `ageDays` ago, with one logged attempt. */
  async function delivery(subscriptionId: string, accountId: string, status: string, ageDays: number): Promise<string> {
    const changed = new Date(Date.now() - ageDays * DAY_MS).toISOString();
    const [row] = await dataSource.query(
      `INSERT INTO webhook_deliveries (subscription_id, account_id, event_id, event_type, payload, status, attempts, created_at, updated_at)
       VALUES ($1, $2, $3, 'message.received', '{}', $4, 1, $5, $5) RETURNING id`,
      [subscriptionId, accountId, randomUUID(), status, changed],
    );
    await dataSource.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, response_status, duration_ms) VALUES ($1, 1, $2, 200, 5)`,
      [row.id, changed],
    );
    return row.id;
  }

  it('deletes finished deliveries past DELIVERY_LOG_RETENTION_DAYS with their attempts, and published outbox rows past OUTBOX_RETENTION_HOURS; keeps the rest', async () => {
    const accountId = randomUUID();
    // An address nothing listens on: the kept open deliveries must not be finished by an attempt during the test.
    const { id: subscriptionId } = await seedSubscription(dataSource, { accountId, url: 'http://127.0.0.1:9/hook', enabled: false });
    const expired = [await delivery(subscriptionId, accountId, 'succeeded', 31), await delivery(subscriptionId, accountId, 'dead', 31)];
    const kept = [
      await delivery(subscriptionId, accountId, 'succeeded', 29),
      await delivery(subscriptionId, accountId, 'dead', 1),
      // Still owed, whatever its age.
      await delivery(subscriptionId, accountId, 'failed', 90),
      await delivery(subscriptionId, accountId, 'pending', 90),
    ];
    const oldPublished = await writeOutboxEvent(dataSource, accountId);
    const freshPublished = await writeOutboxEvent(dataSource, accountId);
    await dataSource.query(
      `UPDATE outbox_events SET created_at = now() - interval '73 hours', published_at = now() - interval '73 hours', seq = nextval('outbox_events_publish_seq') WHERE id = $1`,
      [oldPublished.id],
    );
    await dataSource.query(`UPDATE outbox_events SET published_at = now(), seq = nextval('outbox_events_publish_seq') WHERE id = $1`, [
      freshPublished.id,
    ]);

    // The relay's leader prunes on its first round, then once a minute.
    dispatcher = await startDispatcher({ DELIVERY_LOG_RETENTION_DAYS: '30', OUTBOX_RETENTION_HOURS: '72' });
    const remaining = async (ids: string[]) =>
      (await dataSource.query(`SELECT id FROM webhook_deliveries WHERE id = ANY($1)`, [ids])).map((row: { id: string }) => row.id);
    await waitFor(async () => (await remaining(expired)).length === 0, { description: 'the expired deliveries to be deleted' });

    expect((await remaining(kept)).sort()).toEqual([...kept].sort());
    const attempts = await dataSource.query(`SELECT delivery_id FROM webhook_delivery_attempts WHERE delivery_id = ANY($1)`, [
      [...expired, ...kept],
    ]);
    expect(attempts.map((row: { delivery_id: string }) => row.delivery_id).sort()).toEqual([...kept].sort());
    const outbox = await dataSource.query(`SELECT id FROM outbox_events WHERE id = ANY($1)`, [[oldPublished.id, freshPublished.id]]);
    expect(outbox.map((row: { id: string }) => row.id)).toEqual([freshPublished.id]);
  });
});

import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import {
  applyLifecycleBatch,
  lifecycleBatchResults,
  type LifecycleBatchRow,
  lifecycleBatchStatement,
  lifecyclePasses,
} from '../src/app/apply/lifecycle-batch';
import { lockFoldWrite, StatusBatchApplier } from '../src/app/apply/status-batch.applier';
import type { SqlStatement } from '../src/app/apply/status-batch.sql';
import type { StatusUpdate, StatusUpdateResult } from '../src/app/apply/status-batch.types';
import { StatusWorkerMetrics } from '../src/app/metrics/status-worker.metrics';
import {
  ACCOUNT_ID,
  counterValue,
  type FileInfra,
  migratedDataSource,
  openFileInfra,
  StatusFixtures,
} from './support/status-worker-harness';

const BASE = Date.UTC(2026, 2, 1, 10, 0, 0);
const STATUSES = ['pending', 'queued', 'sent', 'delivered', 'failed'] as const;

interface RowSpec {
  /** Index of the provider id: two rows may share one. */
  key: number;
  group: number | null;
  status: (typeof STATUSES)[number];
  /** Microseconds after BASE; null for none. */
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
}

interface UpdateSpec {
  /** Index of the provider id; past the rows' keys it names no message. */
  key: number;
  kind: 'sent' | 'delivered' | 'read';
  /** Milliseconds after BASE. */
  at: number;
}

// Times from a small grid of tenths of a second, so that updates often meet a recorded time exactly, or within the
// same millisecond (the rows may hold microseconds; the fold reads milliseconds).
const tenth = fc.integer({ min: 0, max: 10 });
const microsAfterBase = fc.option(
  fc.tuple(tenth, fc.constantFrom(0, 1, 500, 999)).map(([step, extra]) => step * 100_000 + extra),
  { nil: null },
);
const rowSpec = fc.record({
  key: fc.integer({ min: 0, max: 11 }),
  group: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  status: fc.constantFrom(...STATUSES),
  sentAt: microsAfterBase,
  deliveredAt: microsAfterBase,
  readAt: microsAfterBase,
});
const updateSpec = fc.record({
  key: fc.integer({ min: 0, max: 13 }),
  kind: fc.constantFrom('sent' as const, 'delivered' as const, 'read' as const),
  at: tenth.map((step) => step * 100),
});
const scenario = fc.record({
  rows: fc.array(rowSpec, { minLength: 1, maxLength: 14 }),
  // One update per provider id (one statement takes the batch), or any, a message often named twice or more (passes).
  updates: fc.oneof(
    fc.uniqueArray(updateSpec, { minLength: 1, maxLength: 14, selector: (update) => update.key }),
    fc.array(updateSpec, { minLength: 2, maxLength: 24 }),
  ),
  // How far each campaign is from completion when the batch comes.
  remaining: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
});

const iso = (millisAfterBase: number) => new Date(BASE + millisAfterBase).toISOString();
/** A timestamptz literal with microseconds, as a sender may have written sent_at. */
const micros = (microsAfterBase: number) => {
  const millis = Math.floor(microsAfterBase / 1000);
  return `${iso(millis).slice(0, 23)}${String(microsAfterBase % 1000).padStart(3, '0')}+00`;
};

/** Everything the batch could have written, comparable across the two paths. */
async function stateOf(client: Client, channelId: string) {
  const rows = await client.query(
    `SELECT id, status, sent_at::text, delivered_at::text, failed_at::text, metadata_, error_details, updated_at::text
     FROM messages WHERE channel_id = $1 ORDER BY id`,
    [channelId],
  );
  const groups = await client.query(
    `SELECT id, delivered_count, failed_count, read_count, status, updated_at::text FROM group_messages WHERE channel_id = $1 ORDER BY id`,
    [channelId],
  );
  const outbox = await client.query(`SELECT id, account_id, type, payload FROM outbox_events ORDER BY id`);
  return { rows: rows.rows, groups: groups.rows, outbox: outbox.rows };
}

/** The same, but only which events the outbox holds: a pass builds an event from the row as that pass leaves it. */
function withoutPayloads({ rows, groups, outbox }: Awaited<ReturnType<typeof stateOf>>) {
  return { rows, groups, outbox: outbox.map(({ id, type }) => ({ id, type })) };
}

describe('the one-statement path', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let client: Client;
  let channelId: string;

  beforeAll(async () => {
    infra = await openFileInfra('lifecycle');
    dataSource = await migratedDataSource(infra, 2);
    channelId = await new StatusFixtures(dataSource).channel();
    client = new Client({ connectionString: infra.databaseUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await dataSource?.destroy();
    await infra?.drop();
  });

  const updatesOf = (specs: readonly UpdateSpec[]): StatusUpdate[] =>
    specs.map((spec) => ({
      event_id: randomUUID(),
      channel_id: channelId,
      channel_type: 'whatsapp',
      status: spec.kind,
      timestamp: iso(spec.at),
      received_at: new Date().toISOString(),
      provider_message_id: `wamid.DIFF${spec.key}`,
    }));

  /** The rows and campaigns of a scenario, inside the caller's transaction. */
  async function seed(rows: readonly RowSpec[], remaining: readonly number[]): Promise<void> {
    const groupIds = [randomUUID(), randomUUID(), randomUUID()];
    for (const [index, groupId] of groupIds.entries()) {
      const members = rows.filter((row) => row.group === index).length;
      // Counters that leave `remaining` messages without an outcome (never below zero left).
      const settled = Math.max(0, members - remaining[index]);
      await client.query(
        `INSERT INTO group_messages (id, account_id, channel_id, total_count, delivered_count, read_count, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5, now() - interval '1 hour')`,
        [groupId, ACCOUNT_ID, channelId, members, settled],
      );
    }
    for (const row of rows) {
      const metadata: Record<string, unknown> = { provider_message_id: `wamid.DIFF${row.key}` };
      if (row.readAt !== null) metadata['read_at'] = iso(Math.floor(row.readAt / 1000));
      await client.query(
        `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_,
                               sent_at, delivered_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'outbound', $4, '+15550100000', $5, $6, $7, now() - interval '1 hour', now() - interval '1 hour')`,
        [
          ACCOUNT_ID,
          channelId,
          row.group === null ? null : groupIds[row.group],
          row.status,
          metadata,
          row.sentAt === null ? null : micros(row.sentAt),
          row.deliveredAt === null ? null : micros(row.deliveredAt),
        ],
      );
    }
  }

  const throughFold = (updates: readonly StatusUpdate[], createdAt: Date): Promise<StatusUpdateResult[]> =>
    lockFoldWrite(
      async <T>(statement: SqlStatement) =>
        (await client.query({ text: statement.text, values: statement.parameters, types: statement.types })).rows as T[],
      updates,
      createdAt,
    );

  async function inOneStatement(updates: StatusUpdate[], createdAt: Date): Promise<StatusUpdateResult[] | null> {
    const statement = lifecycleBatchStatement(updates, createdAt);
    if (statement === null) throw new Error('the batch should be one the statement takes');
    const result = await client.query({ text: statement.text, values: statement.parameters });
    return lifecycleBatchResults(result.rows as LifecycleBatchRow[]);
  }

  it('writes the same rows, counters and outbox events, with the same results, as the fold', async () => {
    let compared = 0;
    let handedBack = 0;
    let inPasses = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ rows, updates: updateSpecs, remaining }) => {
        const updates = updatesOf(updateSpecs);
        const createdAt = new Date();
        const passes = lifecyclePasses(updates);
        if (passes === null) throw new Error('every generated batch should be one the statement takes');
        await client.query('BEGIN');
        try {
          await seed(rows, remaining);
          const before = await stateOf(client, channelId);
          await client.query('SAVEPOINT batch');
          // As the applier runs it: pass by pass, the statement, and the fold for a pass it hands back.
          const applied = await applyLifecycleBatch(
            updates,
            async (statement) => (await client.query({ text: statement.text, values: statement.parameters })).rows as LifecycleBatchRow[],
            (rest) => throughFold(rest, createdAt),
            createdAt,
          );
          const afterApplied = await stateOf(client, channelId);
          await client.query('ROLLBACK TO SAVEPOINT batch');
          // The fold, given the same passes as batches of their own.
          const foldedInPasses: StatusUpdateResult[] = new Array(updates.length);
          for (const pass of passes) {
            const results = await throughFold(
              pass.map((index) => updates[index]),
              createdAt,
            );
            pass.forEach((index, i) => (foldedInPasses[index] = results[i]));
          }
          const afterFoldInPasses = await stateOf(client, channelId);
          await client.query('ROLLBACK TO SAVEPOINT batch');
          const folded = await throughFold(updates, createdAt);
          const afterFold = await stateOf(client, channelId);

          expect(applied?.statements).toBe(passes.length);
          expect(applied?.results).toEqual(foldedInPasses);
          expect(afterApplied).toEqual(afterFoldInPasses);
          // The whole batch through the fold: the same results, rows, counters and events; only payloads may differ.
          expect(applied?.results).toEqual(folded);
          expect(withoutPayloads(afterApplied)).toEqual(withoutPayloads(afterFold));
          if (passes.length > 1) inPasses += 1;

          if (passes.length === 1) {
            await client.query('ROLLBACK TO SAVEPOINT batch');
            const oneStatement = await inOneStatement(updates, createdAt);
            const afterOneStatement = await stateOf(client, channelId);
            if (oneStatement === null) {
              // Handed back to the fold: it must have written nothing.
              handedBack += 1;
              expect(afterOneStatement).toEqual(before);
              expect(applied?.handedBack).toBe(1);
            } else {
              compared += 1;
              expect(oneStatement).toEqual(folded);
              expect(afterOneStatement).toEqual(afterFold);
              expect(applied?.handedBack).toBe(0);
            }
          }
        } finally {
          await client.query('ROLLBACK');
        }
      }),
      { numRuns: 300 },
    );
    // Every branch must actually have been exercised.
    expect(compared).toBeGreaterThan(50);
    expect(handedBack).toBeGreaterThan(0);
    expect(inPasses).toBeGreaterThan(50);
  });

  it('takes only batches of keyed sent, delivered and read updates, a message named twice in a later pass', () => {
    const [first] = updatesOf([{ key: 1, kind: 'delivered', at: 5 }]);
    const createdAt = new Date();
    expect(lifecycleBatchStatement([first], createdAt)).not.toBeNull();
    // One statement takes each message once; passes take the rest in the batch's order.
    expect(lifecycleBatchStatement([first, { ...first, event_id: randomUUID(), status: 'read' }], createdAt)).toBeNull();
    const [a1, b1, a2, a3, b2] = updatesOf([
      { key: 1, kind: 'sent', at: 1 },
      { key: 2, kind: 'sent', at: 1 },
      { key: 1, kind: 'delivered', at: 2 },
      { key: 1, kind: 'read', at: 3 },
      { key: 2, kind: 'read', at: 3 },
    ]);
    expect(lifecyclePasses([a1, b1, a2, a3, b2])).toEqual([[0, 1], [2, 4], [3]]);
    // The same provider id on another channel is another message.
    expect(lifecyclePasses([a1, { ...a2, channel_id: randomUUID() }])).toEqual([[0, 1]]);
    expect(lifecyclePasses([a1, { ...a2, status: 'failed' }])).toBeNull();
    expect(lifecyclePasses([a1, { ...a2, timestamp: 'yesterday' }])).toBeNull();
    expect(lifecyclePasses([])).toBeNull();
    expect(lifecycleBatchStatement([{ ...first, status: 'failed' }], createdAt)).toBeNull();
    expect(lifecycleBatchStatement([{ ...first, status: 'clicked' }], createdAt)).toBeNull();
    expect(lifecycleBatchStatement([{ ...first, recipient_address: 'a@example.com' }], createdAt)).toBeNull();
    const { provider_message_id: _named, ...watermark } = first;
    expect(lifecycleBatchStatement([{ ...watermark, recipient_address: 'psid', watermark: first.timestamp }], createdAt)).toBeNull();
    expect(lifecycleBatchStatement([], createdAt)).toBeNull();
    // The fold matches channel ids as text: one in capitals finds no row there, so the fold must answer it.
    expect(lifecycleBatchStatement([{ ...first, channel_id: first.channel_id.toUpperCase() }], createdAt)).toBeNull();
  });

  it('is the path the applier takes for such a batch, and the fold the one it takes otherwise', async () => {
    const registry = new Registry();
    const metrics = new StatusWorkerMetrics(registry);
    const applier = new StatusBatchApplier(dataSource, metrics);
    const fixtures = new StatusFixtures(dataSource);
    const groupId = await fixtures.group(channelId, 1);
    const { id, providerMessageId } = await fixtures.outbound({ channelId, groupId, status: 'sent' });
    const update = (status: string, second: number): StatusUpdate => ({
      event_id: randomUUID(),
      channel_id: channelId,
      channel_type: 'whatsapp',
      status,
      timestamp: iso(second * 1000),
      received_at: new Date().toISOString(),
      provider_message_id: providerMessageId as string,
    });

    expect(await applier.apply([update('read', 30)])).toEqual([{ kind: 'applied' }]);
    expect(await counterValue(registry, 'worker_status_batches_total', { path: 'one_statement' })).toBe(1);
    const row = await fixtures.message(id);
    expect([row.status, row.delivered_at?.toISOString(), row.metadata_['read_at']]).toEqual(['delivered', iso(30_000), iso(30_000)]);
    expect((await fixtures.groupRow(groupId)).status).toBe('completed');
    const events = await dataSource.query<Array<{ type: string }>>(
      `SELECT type FROM outbox_events WHERE payload->'data'->>'message_id' = $1 OR payload->'data'->>'group_message_id' = $2 ORDER BY type`,
      [id, groupId],
    );
    expect(events.map((event) => event.type)).toEqual(['campaign.completed', 'message.delivered', 'message.read']);

    // An earlier read must be compared with the recorded read_at: the statement hands the batch to the fold.
    expect(await applier.apply([update('read', 20)])).toEqual([{ kind: 'applied' }]);
    expect(await counterValue(registry, 'worker_status_batches_total', { path: 'fold' })).toBe(1);
    expect((await fixtures.message(id)).metadata_['read_at']).toBe(iso(20_000));

    // A message named twice: two passes, each its own statement.
    const second = await fixtures.outbound({ channelId, status: 'queued' });
    const twice = (status: string, at: number): StatusUpdate => ({
      ...update(status, at),
      provider_message_id: second.providerMessageId as string,
    });
    expect(await applier.apply([twice('sent', 40), twice('delivered', 41)])).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);
    expect(await counterValue(registry, 'worker_status_batches_total', { path: 'one_statement' })).toBe(3);
    expect(await counterValue(registry, 'worker_status_batches_total', { path: 'fold' })).toBe(1);
    expect((await fixtures.message(second.id)).status).toBe('delivered');
  });
});

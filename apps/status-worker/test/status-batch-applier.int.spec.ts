import fc from 'fast-check';
import { outboundEventId, type MessageStatusChangedData, type MessageStatusEventType } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';
import { escapeLiteral } from 'pg';
import { Registry } from 'prom-client';
import { createDataSource, dropDatabaseIfExists, ensureDatabaseExists } from '@inbound/domain';
import type { DataSource } from 'typeorm';
import { PartlyAppliedBatchError } from '../src/app/apply/lifecycle-batch';
import { StatusBatchApplier } from '../src/app/apply/status-batch.applier';
import { lockMessagesStatement } from '../src/app/apply/status-batch.sql';
import type { StatusUpdate } from '../src/app/apply/status-batch.types';
import { StatusWorkerMetrics } from '../src/app/metrics/status-worker.metrics';
import { ACCOUNT_ID, at, type FileInfra, migratedDataSource, openFileInfra, StatusFixtures } from './support/status-worker-harness';

/** StatusBatchApplier on PostgreSQL, without the broker. */
describe('StatusBatchApplier', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let fixtures: StatusFixtures;
  let applier: StatusBatchApplier;
  let metrics: StatusWorkerMetrics;
  let channelId: string;

  beforeAll(async () => {
    infra = await openFileInfra('applier');
    dataSource = await migratedDataSource(infra, 12);
    fixtures = new StatusFixtures(dataSource);
    metrics = new StatusWorkerMetrics(new Registry());
    applier = new StatusBatchApplier(dataSource, metrics);
    channelId = await fixtures.channel();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.drop();
  });

  const update = (providerMessageId: string, status: string, timestamp: string, extra: Partial<StatusUpdate> = {}): StatusUpdate => ({
    event_id: randomUUID(),
    channel_id: channelId,
    channel_type: 'whatsapp',
    provider_message_id: providerMessageId,
    status,
    timestamp,
    received_at: new Date().toISOString(),
    ...extra,
  });

  /** The outbox events reporting a message, as `type` sorted. */
  const outboxTypesOf = async (messageId: string): Promise<string[]> =>
    (
      await dataSource.query<Array<{ type: string }>>(
        `SELECT type FROM outbox_events WHERE payload->'data'->>'message_id' = $1 ORDER BY type`,
        [messageId],
      )
    ).map((row) => row.type);

  const campaignCompletions = async (groupId: string) =>
    dataSource.query<Array<{ id: string; payload: { data: Record<string, unknown> } }>>(
      `SELECT id, payload FROM outbox_events WHERE type = 'campaign.completed' AND payload->'data'->>'group_message_id' = $1`,
      [groupId],
    );

  /** The row's rule state and the counters of its campaign. */
  async function snapshot(messageId: string, groupId: string) {
    const row = await fixtures.message(messageId);
    const group = await fixtures.groupRow(groupId);
    return {
      status: row.status,
      sent_at: row.sent_at?.toISOString() ?? null,
      delivered_at: row.delivered_at?.toISOString() ?? null,
      failed_at: row.failed_at?.toISOString() ?? null,
      read_at: row.metadata_['read_at'] ?? null,
      status_events: row.metadata_['status_events'] ?? null,
      error_details: row.error_details,
      counters: [group.delivered_count, group.failed_count, group.read_count],
    };
  }

  describe('the look-up uses the indexes', () => {
    const keyedUpdates = () => Array.from({ length: 300 }, (_, n) => update(`wamid.PLAN${n * 7}`, 'delivered', at(5)));
    const watermarkUpdates = () => [
      { ...update('x', 'read', at(5)), provider_message_id: undefined, recipient_address: '+15550000042', watermark: at(4) },
    ];

    async function planOf(on: DataSource, updates: StatusUpdate[]): Promise<string> {
      const statement = lockMessagesStatement(updates);
      if (!statement) throw new Error('no statement');
      const [row] = await on.query<Array<{ 'QUERY PLAN': unknown }>>(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.parameters);
      return JSON.stringify(row['QUERY PLAN']);
    }

    /** The plan a named statement may settle on after five runs: one made without the parameters' values. */
    async function genericPlanOf(on: DataSource, updates: StatusUpdate[]): Promise<string> {
      const statement = lockMessagesStatement(updates);
      if (!statement) throw new Error('no statement');
      const runner = on.createQueryRunner();
      await runner.connect();
      try {
        await runner.query(`SET plan_cache_mode = force_generic_plan`);
        await runner.query(`PREPARE generic_lock AS ${statement.text}`);
        // EXECUTE takes no bind parameters: the values go in as literals of the types the statement casts them to.
        const arrayText = (values: string[]) => `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
        const literals = statement.parameters.map((value) => escapeLiteral(arrayText(value as string[]))).join(', ');
        const [row] = await runner.query(`EXPLAIN (FORMAT JSON) EXECUTE generic_lock(${literals})`);
        return JSON.stringify(row['QUERY PLAN']);
      } finally {
        await runner.query('DEALLOCATE ALL');
        await runner.query('RESET plan_cache_mode');
        await runner.release();
      }
    }

    async function seedPlanRows(on: DataSource): Promise<void> {
      const seeded = new StatusFixtures(on);
      const channel = await seeded.channel();
      await seeded.outboundMany(channel, await seeded.group(channel, 20_000), 20_000, 'wamid.PLAN');
    }

    describe('on an analyzed table', () => {
      beforeAll(async () => {
        await seedPlanRows(dataSource);
        await dataSource.query('ANALYZE messages');
      });

      it('finds messages by provider id through idx_messages_provider_msg_id', async () => {
        const plan = await planOf(dataSource, keyedUpdates());
        expect(plan).toContain('"Index Name":"idx_messages_provider_msg_id"');
        expect(plan).not.toContain('"Node Type":"Seq Scan"');
      });

      it('finds watermark rows through idx_messages_outbound_recipient', async () => {
        const plan = await planOf(dataSource, watermarkUpdates());
        expect(plan).toContain('"Index Name":"idx_messages_outbound_recipient"');
        expect(plan).not.toContain('"Node Type":"Seq Scan"');
      });

      it('keeps both indexes in the generic plan a named statement may switch to', async () => {
        const keyed = await genericPlanOf(dataSource, keyedUpdates());
        expect(keyed).toContain('"Index Name":"idx_messages_provider_msg_id"');
        expect(keyed).not.toContain('"Node Type":"Seq Scan"');
        const watermarks = await genericPlanOf(dataSource, watermarkUpdates());
        expect(watermarks).toContain('"Index Name":"idx_messages_outbound_recipient"');
        expect(watermarks).not.toContain('"Node Type":"Seq Scan"');
      });
    });

    describe('on a table without statistics yet (a fresh database)', () => {
      let fresh: DataSource;
      let freshUrl: string;

      beforeAll(async () => {
        const url = new URL(infra.databaseUrl);
        url.pathname = `${url.pathname}_fresh_${randomUUID().slice(0, 8)}`;
        freshUrl = url.toString();
        await ensureDatabaseExists(freshUrl);
        fresh = createDataSource({ url: freshUrl, poolSize: 2 });
        await fresh.initialize();
        await fresh.runMigrations();
        await seedPlanRows(fresh);
      });

      afterAll(async () => {
        if (fresh?.isInitialized) await fresh.destroy();
        if (freshUrl) await dropDatabaseIfExists(freshUrl);
      });

      it('still probes idx_messages_provider_msg_id, not the recipient index', async () => {
        const plan = await planOf(fresh, keyedUpdates());
        expect(plan).toContain('"Index Name":"idx_messages_provider_msg_id"');
        expect(plan).not.toContain('"Index Name":"idx_messages_outbound_recipient"');
      });
    });
  });

  it('writes each event’s envelope from the row as the batch leaves it: ids, address, read time, error', async () => {
    const groupId = await fixtures.group(channelId, 2);
    const read = await fixtures.outbound({ channelId, groupId, status: 'queued', sentAt: null, deliveryAddress: '+15550100001' });
    const failed = await fixtures.outbound({ channelId, groupId, deliveryAddress: '+15550100002' });
    const results = await applier.apply([
      update(read.providerMessageId as string, 'sent', at(1)),
      update(read.providerMessageId as string, 'read', at(3)),
      update(failed.providerMessageId as string, 'failed', at(2), { error_code: '131026', error_message: 'Message undeliverable' }),
    ]);
    expect(results).toEqual([{ kind: 'applied' }, { kind: 'applied' }, { kind: 'applied' }]);
    const payloads = await dataSource.query<Array<{ id: string; account_id: string; type: string; payload: Record<string, unknown> }>>(
      // The read message's events first, each message's in the order they were written.
      `SELECT id, account_id, type, payload FROM outbox_events WHERE payload->'data'->>'message_id' = ANY($1)
       ORDER BY (payload->'data'->>'message_id') = $2 DESC, position`,
      [[read.id, failed.id], read.id],
    );
    const envelope = (messageId: string, type: MessageStatusEventType, data: Partial<MessageStatusChangedData>) => ({
      id: outboundEventId(messageId, type),
      account_id: ACCOUNT_ID,
      type,
      payload: {
        id: outboundEventId(messageId, type),
        type,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        account_id: ACCOUNT_ID,
        data: { message_id: messageId, channel_id: channelId, channel_type: 'whatsapp', group_message_id: groupId, ...data },
      },
    });
    const readRow = { provider_message_id: read.providerMessageId, delivery_address: '+15550100001' };
    expect(payloads).toEqual([
      envelope(read.id, 'message.sent', { ...readRow, status: 'sent', previous_status: 'queued', occurred_at: at(1) }),
      envelope(read.id, 'message.delivered', { ...readRow, status: 'delivered', previous_status: 'sent', occurred_at: at(3) }),
      envelope(read.id, 'message.read', { ...readRow, status: 'read', previous_status: 'sent', occurred_at: at(3), read_at: at(3) }),
      envelope(failed.id, 'message.failed', {
        provider_message_id: failed.providerMessageId,
        delivery_address: '+15550100002',
        status: 'failed',
        previous_status: 'sent',
        occurred_at: at(2),
        error: { code: '131026', message: 'Message undeliverable', provider_status: null },
      }),
    ]);
    // Every event of one batch carries the same creation time.
    expect(new Set(payloads.map((row) => row.payload['created_at'])).size).toBe(1);
  });

  it('stores a text holding U+0000 or a lone surrogate with the replacement character, instead of refusing the batch', async () => {
    const groupId = await fixtures.group(channelId, 2);
    const failed = await fixtures.outbound({ channelId, groupId });
    const deferred = await fixtures.outbound({ channelId, groupId });
    const results = await applier.apply([
      update(failed.providerMessageId as string, 'failed', at(2), {
        error_code: 'E\u0000',
        error_message: 'bad \u0000 byte',
        provider_status: 'undelivered',
      }),
      update(deferred.providerMessageId as string, 'deferred', at(2), { error_message: 'half \uD800 a pair' }),
    ]);
    expect(results).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);
    expect((await fixtures.message(failed.id)).error_details).toEqual({
      code: 'E\uFFFD',
      message: 'bad \uFFFD byte',
      provider_status: 'undelivered',
    });
    expect((await fixtures.message(deferred.id)).metadata_['status_events']).toMatchObject({
      deferred: { error_message: 'half \uFFFD a pair' },
    });
    expect((await fixtures.groupRow(groupId)).failed_count).toBe(1);
  });

  it('applies an update to its recipient’s row only, when several rows share a provider id', async () => {
    const emailChannel = await fixtures.channel('email');
    const groupId = await fixtures.group(emailChannel, 3);
    const sharedId = `sg-${randomUUID()}`;
    const rows = await Promise.all(
      ['a@example.com', 'b@example.com', 'c@example.com'].map((address) =>
        fixtures.outbound({ channelId: emailChannel, groupId, providerMessageId: sharedId, deliveryAddress: address }),
      ),
    );
    const email = (status: string, recipient: string) =>
      update(sharedId, status, at(3), { channel_id: emailChannel, channel_type: 'email', recipient_address: recipient });
    expect(await applier.apply([email('delivered', 'A@Example.com')])).toEqual([{ kind: 'applied' }]);
    expect(await applier.apply([email('failed', 'b@example.com')])).toEqual([{ kind: 'applied' }]);
    const states = await Promise.all(rows.map(async (row) => (await fixtures.message(row.id)).status));
    expect(states).toEqual(['delivered', 'failed', 'sent']);
    expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 1, failed_count: 1 });
  });

  it('retries a watermark that covers no message yet, and acks one whose messages it already moved', async () => {
    const messengerChannel = await fixtures.channel('messenger');
    const watermarkOf = (recipient: string) => ({
      ...update('x', 'delivered', at(20)),
      channel_id: messengerChannel,
      channel_type: 'messenger',
      provider_message_id: undefined,
      recipient_address: recipient,
      watermark: at(15),
    });
    expect(await applier.apply([watermarkOf('psid-nobody')])).toEqual([{ kind: 'not_found' }]);
    const sent = await fixtures.outbound({
      channelId: messengerChannel,
      providerMessageId: null,
      deliveryAddress: 'psid-known',
      sentAt: at(10),
    });
    expect(await applier.apply([watermarkOf('psid-known')])).toEqual([{ kind: 'applied' }]);
    expect((await fixtures.message(sent.id)).status).toBe('delivered');
    // The same watermark again covers the row but changes nothing: acked, not retried.
    expect(await applier.apply([watermarkOf('psid-known')])).toEqual([{ kind: 'ignored', reason: 'no_messages_covered' }]);
  });

  it('reports a message that is not in the table as not found, and applies the rest of the batch', async () => {
    const groupId = await fixtures.group(channelId, 1);
    const known = await fixtures.outbound({ channelId, groupId });
    const results = await applier.apply([
      update('wamid.NEVER-SENT', 'delivered', at(2)),
      update(known.providerMessageId as string, 'delivered', at(2)),
    ]);
    expect(results).toEqual([{ kind: 'not_found' }, { kind: 'applied' }]);
    expect((await fixtures.groupRow(groupId)).delivered_count).toBe(1);
  });

  it('applies a batch exactly as the same updates applied one at a time, in arrival order', async () => {
    const statuses = ['queued', 'sent', 'delivered', 'read', 'failed', 'clicked'];
    const initialStates = ['pending', 'queued', 'sent', 'delivered', 'failed'];
    const anUpdate = fc.record({ status: fc.constantFrom(...statuses), minute: fc.integer({ min: 1, max: 6 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...initialStates), fc.array(anUpdate, { minLength: 1, maxLength: 8 }), async (initial, sequence) => {
        const batched = await campaignRow(initial);
        const sequential = await campaignRow(initial);
        const updatesFor = (providerMessageId: string) =>
          sequence.map(({ status, minute }) =>
            update(providerMessageId, status, at(minute), status === 'failed' ? { error_code: `E${minute}` } : {}),
          );

        const batchResults = await applier.apply(updatesFor(batched.providerMessageId));
        const sequentialResults = [];
        for (const single of updatesFor(sequential.providerMessageId)) sequentialResults.push(...(await applier.apply([single])));

        expect(batchResults).toEqual(sequentialResults);
        expect(await snapshot(batched.id, batched.groupId)).toEqual(await snapshot(sequential.id, sequential.groupId));
        expect(await outboxTypesOf(batched.id)).toEqual(await outboxTypesOf(sequential.id));
        expect((await campaignCompletions(batched.groupId)).length).toBe((await campaignCompletions(sequential.groupId)).length);
      }),
      { numRuns: 60 },
    );
  });

  async function campaignRow(initial: string) {
    const groupId = await fixtures.group(channelId, 1);
    const times: Record<string, [string | null, string | null, string | null]> = {
      pending: [null, null, null],
      queued: [null, null, null],
      sent: [at(3), null, null],
      delivered: [at(3), at(4), null],
      failed: [at(3), null, at(4)],
    };
    const [sentAt, deliveredAt, failedAt] = times[initial];
    const { id, providerMessageId } = await fixtures.outbound({ channelId, groupId, status: initial, sentAt });
    await dataSource.query(`UPDATE messages SET delivered_at = $2, failed_at = $3 WHERE id = $1`, [id, deliveredAt, failedAt]);
    return { id, groupId, providerMessageId: providerMessageId as string };
  }

  it('moves each counter once per message when overlapping batches run concurrently, without a deadlock escaping', async () => {
    const groups = await Promise.all([0, 1, 2].map(() => fixtures.group(channelId, 40)));
    const messages = [];
    for (let n = 0; n < 120; n++) messages.push(await fixtures.outbound({ channelId, groupId: groups[n % 3] }));
    // Every message gets delivered and read; every fifth also a failure, which loses or wins
    // depending on which batch locks the row first. Each batch holds every update, shuffled.
    const updates = messages.flatMap((message, n) => {
      const id = message.providerMessageId as string;
      const own = [update(id, 'delivered', at(2)), update(id, 'read', at(3))];
      return n % 5 === 0 ? [...own, update(id, 'failed', at(1), { error_code: 'E' })] : own;
    });
    const shuffled = () => fc.sample(fc.shuffledSubarray(updates, { minLength: updates.length, maxLength: updates.length }), 1)[0];

    await Promise.all(Array.from({ length: 6 }, () => applier.apply(shuffled())));

    const rows = await dataSource.query<Array<{ group_message_id: string; status: string; read: boolean }>>(
      `SELECT group_message_id, status, metadata_ ? 'read_at' AS read FROM messages WHERE group_message_id = ANY($1)`,
      [groups],
    );
    for (const groupId of groups) {
      const own = rows.filter((row) => row.group_message_id === groupId);
      expect(await fixtures.groupRow(groupId)).toMatchObject({
        delivered_count: own.filter((row) => row.status === 'delivered').length,
        failed_count: own.filter((row) => row.status === 'failed').length,
        read_count: own.filter((row) => row.read).length,
      });
    }
    expect(rows.every((row) => row.status === 'delivered' || row.status === 'failed')).toBe(true);

    // Exactly one event per change that happened, whatever the interleaving, and one completion per campaign.
    for (const message of messages) {
      const row = await fixtures.message(message.id);
      expect(await outboxTypesOf(message.id)).toEqual(
        row.status === 'delivered' ? ['message.delivered', 'message.read'] : ['message.failed'],
      );
    }
    for (const groupId of groups) {
      const completions = await campaignCompletions(groupId);
      expect(completions).toHaveLength(1);
      expect(completions[0].payload.data).toMatchObject({ group_message_id: groupId, channel_id: channelId, total_count: 40 });
      const counters = await fixtures.groupRow(groupId);
      expect(completions[0].payload.data['delivered_count']).toBe(counters.delivered_count);
    }
  });

  it('applies batches naming messages twice in passes, concurrently, moving each counter once and writing each event once', async () => {
    const groups = await Promise.all([0, 1, 2].map(() => fixtures.group(channelId, 30)));
    const messages = [];
    for (let n = 0; n < 90; n++)
      messages.push(await fixtures.outbound({ channelId, groupId: groups[n % 3], status: 'queued', sentAt: null }));
    // Only sent, delivered and read: every batch takes the one-statement path, in two or three passes.
    const updates = messages.flatMap((message) => {
      const id = message.providerMessageId as string;
      return [update(id, 'sent', at(1)), update(id, 'delivered', at(2)), update(id, 'read', at(3))];
    });
    const shuffled = () => fc.sample(fc.shuffledSubarray(updates, { minLength: updates.length, maxLength: updates.length }), 1)[0];

    await Promise.all(Array.from({ length: 6 }, () => applier.apply(shuffled())));

    for (const groupId of groups) {
      expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 30, read_count: 30, status: 'completed' });
      expect(await campaignCompletions(groupId)).toHaveLength(1);
    }
    for (const message of messages) {
      expect(await fixtures.message(message.id)).toMatchObject({
        status: 'delivered',
        sent_at: new Date(at(1)),
        delivered_at: new Date(at(2)),
      });
      // Which of sent and delivered came first decides whether message.sent was ever written; never twice.
      const types = await outboxTypesOf(message.id);
      expect(types.filter((type) => type !== 'message.sent')).toEqual(['message.delivered', 'message.read']);
    }
  });

  it('keeps the passes that committed when a later pass fails, and says which updates they applied', async () => {
    const groupId = await fixtures.group(channelId, 1);
    const fine = await fixtures.outbound({ channelId, groupId, status: 'queued', sentAt: null });
    const id = fine.providerMessageId as string;
    // The second update names the message again: a second pass, which PostgreSQL refuses (it has no year 0).
    const failure = await applier
      .apply([update(id, 'sent', at(2)), update(id, 'delivered', '0000-06-01T00:00:00.000Z')])
      .catch((error) => error);
    expect(failure).toBeInstanceOf(PartlyAppliedBatchError);
    expect((failure as PartlyAppliedBatchError).failure).toMatchObject({ code: expect.stringMatching(/^22/) });
    expect((failure as PartlyAppliedBatchError).results).toEqual([{ kind: 'applied' }, undefined]);
    expect(await fixtures.message(fine.id)).toMatchObject({ status: 'sent', sent_at: new Date(at(2)) });
    expect(await outboxTypesOf(fine.id)).toEqual(['message.sent']);
  });

  it('fails the whole batch (one pass) when one event’s data cannot be stored, leaving nothing half-written', async () => {
    const groupId = await fixtures.group(channelId, 2);
    const fine = await fixtures.outbound({ channelId, groupId });
    const poisoned = await fixtures.outbound({ channelId, groupId });
    await expect(
      applier.apply([
        update(fine.providerMessageId as string, 'delivered', at(2)),
        // PostgreSQL has no year 0.
        update(poisoned.providerMessageId as string, 'delivered', '0000-06-01T00:00:00.000Z'),
      ]),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^22/) });
    expect((await fixtures.message(fine.id)).status).toBe('sent');
    expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 0, failed_count: 0 });
    expect(await outboxTypesOf(fine.id)).toEqual([]);
  });
});

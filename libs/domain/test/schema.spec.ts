import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Channel, createDataSource, GroupMessage, Message, MESSAGE_INDEXES } from '../src';
import { createScratchDatabase } from './support/scratch-database';

// Every table the migrations create, in name order.
const ALL_TABLES = [
  'channels',
  'group_messages',
  'messages',
  'migrations',
  'outbox_events',
  'webhook_deliveries',
  'webhook_delivery_attempts',
  'webhook_spool',
  'webhook_subscriptions',
];

/**
 * The migrations against a real PostgreSQL: up, down, up again, and the schema they build
 * is exactly what the entities declare. Tests in this file run in order and share one
 * database of their own.
 */
describe('schema (migrations on PostgreSQL)', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const scratch = await createScratchDatabase('schema');
    drop = scratch.drop;
    dataSource = createDataSource({ url: scratch.url, poolSize: 2, applicationName: 'domain-schema-spec' });
    await dataSource.initialize();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await drop?.();
  });

  const tableNames = async (): Promise<string[]> =>
    (
      await dataSource.query<Array<{ tablename: string }>>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
    ).map((row) => row.tablename);

  /** SQL the schema builder would run to make the database match the entities. */
  const drift = async (): Promise<string[]> => (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);

  describe('lifecycle', () => {
    it('up applies every migration, in order, to an empty database', async () => {
      const applied = await dataSource.runMigrations();
      expect(applied.map((migration) => migration.name)).toEqual([
        'InitialSchema1795443251162',
        'ChannelWebhookState1795500000000',
        'WebhookSpool1795600000000',
        'WebhookSubscriptions1795700000000',
        'OutboundEvents1795800000000',
        'ChannelConnection1795900000000',
        'AccountListingIndexes1796000000000',
        'DeliveryLogRetention1796100000000',
        'PgcryptoForEventIds1796200000000',
        'OutboxSeqIndex1796300000000',
      ]);
      expect(await tableNames()).toEqual(ALL_TABLES);
      expect(await dataSource.showMigrations()).toBe(false);
    });

    it('builds exactly what the entities declare: the schema builder finds nothing to change', async () => {
      expect(await drift()).toEqual([]);
    });

    it('the drift check does see a difference (it is not vacuous)', async () => {
      await dataSource.query(`DROP INDEX "${MESSAGE_INDEXES.outboundRecipient}"`);
      await dataSource.query(`ALTER TABLE "messages" ALTER COLUMN "status" DROP DEFAULT`);
      const queries = (await drift()).join('\n');
      expect(queries).toContain(MESSAGE_INDEXES.outboundRecipient);
      expect(queries).toMatch(/ALTER TABLE "messages" ALTER COLUMN "status" SET DEFAULT 'pending'/);

      await dataSource.query(`ALTER TABLE "messages" ALTER COLUMN "status" SET DEFAULT 'pending'`);
      await dataSource.query(
        `CREATE INDEX "${MESSAGE_INDEXES.outboundRecipient}" ON "messages" ("channel_id", "delivery_address") WHERE "direction" = 'outbound'`,
      );
      expect(await drift()).toEqual([]);
    });

    it('creates the indexes the workers rely on, expressions and predicates included', async () => {
      const rows = await dataSource.query<Array<{ indexname: string; indexdef: string }>>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname`,
      );
      expect(Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef.replace(/ ON public\./, ' ON ')]))).toEqual({
        idx_messages_group_message_id:
          'CREATE INDEX idx_messages_group_message_id ON messages USING btree (group_message_id) WHERE (group_message_id IS NOT NULL)',
        idx_messages_outbound_recipient:
          "CREATE INDEX idx_messages_outbound_recipient ON messages USING btree (channel_id, delivery_address) WHERE ((direction)::text = 'outbound'::text)",
        idx_messages_provider_msg_id:
          "CREATE INDEX idx_messages_provider_msg_id ON messages USING btree (((metadata_ ->> 'provider_message_id'::text)), channel_id)",
        pk_messages: 'CREATE UNIQUE INDEX pk_messages ON messages USING btree (id)',
        uq_messages_inbound_provider_msg:
          "CREATE UNIQUE INDEX uq_messages_inbound_provider_msg ON messages USING btree (channel_id, ((metadata_ ->> 'provider_message_id'::text))) WHERE ((direction)::text = 'inbound'::text)",
      });
    });

    it.each([
      ['channels', 'idx_channels_account_created'],
      ['group_messages', 'idx_group_messages_account_created'],
      ['webhook_subscriptions', 'idx_webhook_subscriptions_account_created'],
    ])("answers the account's %s list newest first from %s, without a sort", async (table, index) => {
      // Whole-table and bitmap scans off: on an empty table the planner would rightly prefer them; the question is
      // whether the index can serve the list in its order.
      const plan = await dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL enable_seqscan = off');
        await manager.query('SET LOCAL enable_bitmapscan = off');
        const rows = await manager.query<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT * FROM "${table}" WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 500`,
          [randomUUID()],
        );
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      });
      expect(plan).toContain(`Index Scan using ${index}`);
      expect(plan).not.toMatch(/\bSort\b/);
    });

    it('finds the oldest published seq from the seq index, without reading the table (a realtime resume asks for it)', async () => {
      const plan = await dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL enable_seqscan = off');
        await manager.query('SET LOCAL enable_bitmapscan = off');
        const rows = await manager.query<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT min(seq) FROM outbox_events WHERE seq IS NOT NULL`,
        );
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      });
      // Without it the planner can only walk all of idx_outbox_events_account_seq, which leads with account_id.
      expect(plan).toContain('Index Only Scan using idx_outbox_events_seq');
      expect(plan).toMatch(/\bLimit\b/);
    });

    it('down, one migration at a time, removes every table it created', async () => {
      const channelColumn = async (name: string): Promise<number> =>
        (
          await dataSource.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'channels' AND column_name = $1`,
            [name],
          )
        )[0].n;
      const finishedIndex = async (): Promise<number> =>
        (
          await dataSource.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_webhook_deliveries_finished'`,
          )
        )[0].n;
      const pgcrypto = async (): Promise<number> =>
        (await dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pgcrypto'`))[0].n;
      const seqIndex = async (): Promise<number> =>
        (
          await dataSource.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_outbox_events_seq'`,
          )
        )[0].n;
      expect(await seqIndex()).toBe(1);
      await dataSource.undoLastMigration();
      expect(await seqIndex()).toBe(0);
      expect(await pgcrypto()).toBe(1);
      await dataSource.undoLastMigration();
      expect(await pgcrypto()).toBe(0);
      expect(await finishedIndex()).toBe(1);
      await dataSource.undoLastMigration();
      expect(await finishedIndex()).toBe(0);
      const listingIndexes = async (): Promise<string[]> =>
        (
          await dataSource.query<Array<{ indexname: string }>>(
            `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND (indexname LIKE '%\\_account\\_created' OR indexname LIKE '%\\_account\\_id') ORDER BY indexname`,
          )
        ).map((row) => row.indexname);
      expect(await listingIndexes()).toEqual([
        'idx_channels_account_created',
        'idx_group_messages_account_created',
        'idx_webhook_subscriptions_account_created',
      ]);
      await dataSource.undoLastMigration();
      expect(await listingIndexes()).toEqual(['idx_webhook_subscriptions_account_id']);
      expect(await channelColumn('connection')).toBe(1);
      await dataSource.undoLastMigration();
      expect(await channelColumn('connection')).toBe(0);
      await dataSource.undoLastMigration();
      const outbound = await tableNames();
      for (const table of ['outbox_events', 'webhook_deliveries', 'webhook_delivery_attempts']) expect(outbound).not.toContain(table);
      await dataSource.undoLastMigration();
      expect(await tableNames()).not.toContain('webhook_subscriptions');
      await dataSource.undoLastMigration();
      expect(await tableNames()).not.toContain('webhook_spool');
      await dataSource.undoLastMigration();
      const [column] = await dataSource.query(
        `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'channels' AND column_name = 'webhook'`,
      );
      expect(column.n).toBe(0);
      await dataSource.undoLastMigration();
      expect(await tableNames()).toEqual(['migrations']);
      expect(await dataSource.showMigrations()).toBe(true);
    });

    it('up again rebuilds the same schema', async () => {
      const applied = await dataSource.runMigrations();
      expect(applied).toHaveLength(10);
      expect(await tableNames()).toEqual(ALL_TABLES);
      expect(await drift()).toEqual([]);
    });
  });

  describe('constraints and defaults', () => {
    let channelId: string;
    let otherChannelId: string;

    const insertChannel = async (): Promise<string> => {
      const [row] = await dataSource.query<Array<{ id: string }>>(
        `INSERT INTO channels (account_id, channel_type, name, credentials) VALUES ($1, 'whatsapp', 'support line', 'v1:ciphertext') RETURNING id`,
        [randomUUID()],
      );
      return row.id;
    };

    const insertMessage = (values: { channelId: string; direction: string; providerMessageId: string; status?: string }) =>
      dataSource.query(
        `INSERT INTO messages (account_id, channel_id, direction, status, delivery_address, metadata_)
         VALUES ($1, $2, $3, $4, '+15551230000', jsonb_build_object('provider_message_id', $5::text))`,
        [randomUUID(), values.channelId, values.direction, values.status ?? 'pending', values.providerMessageId],
      );

    beforeAll(async () => {
      channelId = await insertChannel();
      otherChannelId = await insertChannel();
    });

    it('fills ids, flags, counters, statuses, metadata and times by default', async () => {
      const [channel] = await dataSource.query(`SELECT * FROM channels WHERE id = $1`, [channelId]);
      expect(channel).toMatchObject({ is_active: true, created_at: expect.any(Date), updated_at: expect.any(Date) });

      const [group] = await dataSource.query(`INSERT INTO group_messages (account_id, channel_id) VALUES ($1, $2) RETURNING *`, [
        randomUUID(),
        channelId,
      ]);
      expect(group).toMatchObject({ total_count: 0, delivered_count: 0, failed_count: 0, read_count: 0, status: 'processing' });
      expect(group.id).toMatch(/^[0-9a-f-]{36}$/);

      const [message] = await dataSource.query(
        `INSERT INTO messages (account_id, channel_id, direction, delivery_address) VALUES ($1, $2, 'outbound', 'a@example.com') RETURNING *`,
        [randomUUID(), channelId],
      );
      expect(message).toMatchObject({
        status: 'pending',
        metadata_: {},
        error_details: null,
        group_message_id: null,
        contact_id: null,
        message_body: null,
        sent_at: null,
        delivered_at: null,
        failed_at: null,
      });
    });

    it('rejects a second inbound row with the same provider message id on a channel', async () => {
      await insertMessage({ channelId, direction: 'inbound', providerMessageId: 'wamid.dup', status: 'delivered' });
      await expect(
        insertMessage({ channelId, direction: 'inbound', providerMessageId: 'wamid.dup', status: 'delivered' }),
      ).rejects.toMatchObject({ code: '23505', constraint: MESSAGE_INDEXES.inboundProviderMessageUnique });
    });

    it('lets an idempotent insert skip the duplicate with ON CONFLICT on the partial unique index', async () => {
      const inserted = await dataSource.query(
        `INSERT INTO messages (account_id, channel_id, direction, status, delivery_address, metadata_)
         VALUES ($1, $2, 'inbound', 'delivered', 'sender', '{"provider_message_id": "wamid.dup"}')
         ON CONFLICT (channel_id, (metadata_->>'provider_message_id')) WHERE direction = 'inbound' DO NOTHING
         RETURNING id`,
        [randomUUID(), channelId],
      );
      expect(inserted).toEqual([]);
    });

    it('allows the same provider message id outbound, inbound on another channel, and outbound twice', async () => {
      await insertMessage({ channelId: otherChannelId, direction: 'inbound', providerMessageId: 'wamid.dup' });
      await insertMessage({ channelId, direction: 'outbound', providerMessageId: 'wamid.dup' });
      await insertMessage({ channelId, direction: 'outbound', providerMessageId: 'wamid.dup' });
      const [{ count }] = await dataSource.query(
        `SELECT count(*)::int AS count FROM messages WHERE metadata_->>'provider_message_id' = 'wamid.dup'`,
      );
      expect(count).toBe(4);
    });

    it.each([
      [
        'a message status',
        `INSERT INTO messages (account_id, channel_id, direction, status, delivery_address) VALUES ($1, $2, 'outbound', 'read', 'x')`,
        'chk_messages_status',
      ],
      [
        'a direction',
        `INSERT INTO messages (account_id, channel_id, direction, delivery_address) VALUES ($1, $2, 'sideways', 'x')`,
        'chk_messages_direction',
      ],
      [
        'a group status',
        `INSERT INTO group_messages (account_id, channel_id, status) VALUES ($1, $2, 'done')`,
        'chk_group_messages_status',
      ],
    ])('rejects %s outside the contract', async (_what, sql, constraint) => {
      await expect(dataSource.query(sql, [randomUUID(), channelId])).rejects.toMatchObject({ code: '23514', constraint });
    });

    it.each([
      [
        'a message',
        `INSERT INTO messages (account_id, channel_id, direction, delivery_address) VALUES ($1, $2, 'outbound', 'x')`,
        'fk_messages_channel',
      ],
      ['a group message', `INSERT INTO group_messages (account_id, channel_id) VALUES ($1, $2)`, 'fk_group_messages_channel'],
    ])('rejects %s of an unknown channel', async (_what, sql, constraint) => {
      await expect(dataSource.query(sql, [randomUUID(), randomUUID()])).rejects.toMatchObject({ code: '23503', constraint });
    });

    it('serves the status worker look-up from idx_messages_provider_msg_id', async () => {
      const plan = await dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL enable_seqscan = off');
        return manager.query<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT id FROM messages WHERE metadata_->>'provider_message_id' = $1 AND channel_id = $2`,
          ['wamid.dup', channelId],
        );
      });
      expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain(MESSAGE_INDEXES.providerMessageId);
    });
  });

  describe('entities', () => {
    it('round-trip through repositories, relations included', async () => {
      const channel = await dataSource.getRepository(Channel).save({
        account_id: randomUUID(),
        channel_type: 'telegram',
        name: 'bot',
        credentials: 'v1:ciphertext',
      });
      expect(channel).toMatchObject({ id: expect.any(String), is_active: true, created_at: expect.any(Date) });

      const group = await dataSource
        .getRepository(GroupMessage)
        .save({ account_id: channel.account_id, channel_id: channel.id, total_count: 2 });
      const saved = await dataSource.getRepository(Message).save({
        account_id: channel.account_id,
        channel_id: channel.id,
        group_message_id: group.id,
        direction: 'outbound',
        delivery_address: '12345',
        metadata_: { provider_message_id: '12345:1' },
      });
      expect(saved).toMatchObject({ status: 'pending', id: expect.any(String) });

      const loaded = await dataSource.getRepository(Message).findOneOrFail({
        where: { id: saved.id },
        relations: { channel: true, group_message: true },
      });
      expect(loaded).toMatchObject({
        status: 'pending',
        metadata_: { provider_message_id: '12345:1' },
        channel: { id: channel.id, channel_type: 'telegram' },
        group_message: { id: group.id, total_count: 2, delivered_count: 0, status: 'processing' },
      });
    });
  });
});

import type { Channel } from '@inbound/domain';
import type { InboundMessageEvent } from '@inbound/contracts';
import { HEADER_ATTEMPT, HEADER_FAILURE_REASON } from '@inbound/messaging';
import { waitFor } from '@inbound/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CHAT_CHANNEL_TYPES, inboundEvents, type ChatChannelType } from './support/inbound-events';
import {
  countInboundRows,
  expectMetric,
  InboundBus,
  inboundRowsOf,
  migratedDataSource,
  seedChannels,
  startInProcessWorker,
  type InProcessWorker,
} from './support/inbound-harness';

/**
 * The worker in this process against the run's PostgreSQL and RabbitMQ: events published
 * as the gateway publishes them, rows and dead letters read back.
 */
describe('inbound-worker: storing inbound messages', () => {
  let dataSource: DataSource;
  let bus: InboundBus;
  let channels: Record<ChatChannelType, Channel>;
  let channelIds: string[];
  let worker: InProcessWorker | undefined;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    bus = await InboundBus.open();
    channels = await seedChannels(dataSource);
    channelIds = Object.values(channels).map((channel) => channel.id);
  });

  beforeEach(async () => {
    await bus.purge();
    await dataSource.query(`DELETE FROM messages WHERE channel_id = ANY($1::uuid[])`, [channelIds]);
    await dataSource.query(`DELETE FROM outbox_events WHERE payload->'data'->>'channel_id' = ANY($1::text[])`, [channelIds]);
  });

  /** The outbox rows reporting messages of these channels, oldest first. */
  const outboxOf = (channelId: string) =>
    dataSource.query<Array<{ id: string; account_id: string; type: string; payload: Record<string, unknown>; published_at: Date | null }>>(
      `SELECT id, account_id, type, payload, published_at FROM outbox_events WHERE payload->'data'->>'channel_id' = $1 ORDER BY position`,
      [channelId],
    );

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  /** Starts the worker in this process; afterEach stops it. */
  const start = async (env: Record<string, string> = {}): Promise<InProcessWorker> => (worker = await startInProcessWorker(env));

  afterAll(async () => {
    await bus?.close();
    await dataSource?.destroy();
  });

  const rowFor = async (event: InboundMessageEvent) =>
    (await inboundRowsOf(dataSource, [event.channel_id])).find((row) => row.metadata_.provider_message_id === event.provider_message_id);

  it.each(CHAT_CHANNEL_TYPES)('stores a %s message with the fields of the database contract', async (type) => {
    const running = await start();
    const event = inboundEvents[type](channels[type]);
    await bus.publish([event]);

    const row = await waitFor(() => rowFor(event), { description: `the ${type} row` });
    const { metadata, ...fields } = event;
    expect(row).toMatchObject({
      account_id: event.account_id,
      channel_id: event.channel_id,
      contact_id: null,
      group_message_id: null,
      direction: 'inbound',
      status: 'delivered',
      delivery_address: event.sender_address,
      message_body: event.message_body,
      delivered_at: new Date(event.timestamp),
      sent_at: null,
      failed_at: null,
      error_details: null,
    });
    expect(row?.metadata_).toEqual({
      ...metadata,
      provider_message_id: fields.provider_message_id,
      event_id: fields.event_id,
      received_at: fields.received_at,
      ...(fields.sender_name !== undefined && { sender_name: fields.sender_name }),
      ...(fields.media_url !== undefined && { media_url: fields.media_url }),
      ...(fields.media_type !== undefined && { media_type: fields.media_type }),
    });
    await expectMetric(running, 'worker_events_applied_total', 1);

    // The outbox row commits with the message: it is there as soon as the row is.
    const outbox = await outboxOf(event.channel_id);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ account_id: event.account_id, type: 'message.received', published_at: null });
    expect(outbox[0].payload).toEqual({
      id: outbox[0].id,
      type: 'message.received',
      created_at: expect.any(String),
      account_id: event.account_id,
      data: {
        message_id: row?.id,
        channel_id: event.channel_id,
        channel_type: type,
        provider_message_id: event.provider_message_id,
        sender_address: event.sender_address,
        sender_name: event.sender_name ?? null,
        message_body: event.message_body ?? null,
        media_url: event.media_url ?? null,
        media_type: event.media_type ?? null,
        contact_id: null,
        received_at: event.timestamp,
      },
    });
  });

  it('stores U+0000 and lone surrogates, which PostgreSQL refuses, as the replacement character, in texts and metadata', async () => {
    const running = await start();
    const event = inboundEvents.sms(channels.sms, {
      sender_name: 'Ada\u0000',
      message_body: 'before\u0000after',
      metadata: { note: 'half \uD800 pair', ['key\u0000']: ['x\u0000'] },
    });
    await bus.publish([event]);
    const row = await waitFor(() => rowFor(event), { description: 'the row' });
    expect(row?.message_body).toBe('before\uFFFDafter');
    expect(row?.metadata_).toMatchObject({ sender_name: 'Ada\uFFFD', note: 'half \uFFFD pair', ['key\uFFFD']: ['x\uFFFD'] });
    expect(await running.metric('worker_events_dead_lettered_total')).toBe(0);
  });

  it('keeps the event’s own fields over provider extras of the same name', async () => {
    await start();
    const event = inboundEvents.whatsapp(channels.whatsapp, {
      metadata: { provider_message_id: 'spoofed', event_id: 'spoofed', context: { from: '15550009999' } },
    });
    await bus.publish([event]);

    const row = await waitFor(() => rowFor(event), { description: 'the row' });
    expect(row?.metadata_).toMatchObject({
      provider_message_id: event.provider_message_id,
      event_id: event.event_id,
      context: { from: '15550009999' },
    });
  });

  it('stores one row for an event published five times and for a provider retry under another event id', async () => {
    const event = inboundEvents.telegram(channels.telegram);
    const providerRetry = { ...event, event_id: randomUUID(), received_at: new Date().toISOString() };
    await bus.publish([event, event, event, event, event, providerRetry]);
    const running = await start();

    await waitFor(
      async () => (await running.metric('worker_events_applied_total')) + (await running.metric('worker_events_duplicate_total')) === 6,
      { description: 'all six deliveries handled' },
    );
    expect(await running.metric('worker_events_applied_total')).toBe(1);
    expect(await running.metric('worker_events_duplicate_total')).toBe(5);
    const rows = await inboundRowsOf(dataSource, [channels.telegram.id]);
    expect(rows).toHaveLength(1);
    expect([event.event_id, providerRetry.event_id]).toContain(rows[0].metadata_.event_id);
    expect(await bus.messageCount('webhook.inbound.dlq')).toBe(0);
    // message.received is written for the first insert only.
    const outbox = await outboxOf(channels.telegram.id);
    expect(outbox.map((entry) => (entry.payload['data'] as { message_id: string }).message_id)).toEqual([rows[0].id]);
  });

  it('stores a redelivery of an already stored message as a duplicate, not a second row', async () => {
    const running = await start();
    const event = inboundEvents.sms(channels.sms);
    await bus.publish([event]);
    await waitFor(() => rowFor(event), { description: 'the first row' });

    await bus.publish([event]);
    await waitFor(async () => (await running.metric('worker_events_duplicate_total')) === 1, { description: 'the duplicate' });
    expect(await countInboundRows(dataSource, [channels.sms.id])).toBe(1);
  });

  it('dead-letters events that are not valid with the reason, and stores the rest of their batch', async () => {
    const good = [inboundEvents.messenger(channels.messenger), inboundEvents.sms(channels.sms)];
    const { provider_message_id: _missing, ...withoutProviderId } = inboundEvents.telegram(channels.telegram);
    await bus.publish([good[0]]);
    await bus.publishRaw('{"event_id": not json', 'not-json');
    await bus.publishRaw(JSON.stringify(withoutProviderId), withoutProviderId.event_id);
    await bus.publishRaw(JSON.stringify({ ...inboundEvents.sms(channels.sms), timestamp: 'yesterday' }), 'bad-time');
    await bus.publish([good[1]]);
    const running = await start();

    await waitFor(async () => (await running.metric('worker_events_dead_lettered_total', { reason: 'invalid' })) === 3, {
      description: 'three dead letters',
    });
    const dead = await waitFor(async () => {
      const taken = await bus.takeDeadLetters();
      return taken.length > 0 ? taken : undefined;
    });
    const reasons = Object.fromEntries(
      dead.map((message) => [message.properties.messageId, message.properties.headers?.[HEADER_FAILURE_REASON]]),
    );
    expect(reasons).toEqual({
      'not-json': 'body is not valid JSON',
      [withoutProviderId.event_id]: expect.stringMatching(/^invalid event: provider_message_id: /),
      'bad-time': expect.stringMatching(/^invalid event: timestamp: isIso8601/),
    });
    await waitFor(async () => (await countInboundRows(dataSource, channelIds)) === 2, { description: 'the two good rows' });
  });

  describe('when the database fails', () => {
    // Test-only trigger: fails inserts of chosen provider message ids with a chosen SQLSTATE,
    // a chosen number of times. The count is a sequence because nextval is not rolled back
    // with the failed insert.
    beforeAll(async () => {
      await dataSource.query(
        `CREATE TABLE IF NOT EXISTS spec_insert_failures (provider_message_id text PRIMARY KEY, sqlstate text NOT NULL, times int NOT NULL, counter text NOT NULL)`,
      );
      await dataSource.query(`
        CREATE OR REPLACE FUNCTION spec_fail_chosen_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE failure spec_insert_failures;
        BEGIN
          SELECT * INTO failure FROM spec_insert_failures WHERE provider_message_id = NEW.metadata_->>'provider_message_id';
          IF FOUND AND nextval(failure.counter::regclass) <= failure.times THEN
            RAISE EXCEPTION 'injected failure' USING ERRCODE = failure.sqlstate;
          END IF;
          RETURN NEW;
        END $$`);
      await dataSource.query(`DROP TRIGGER IF EXISTS spec_fail_chosen_inserts ON messages`);
      await dataSource.query(
        `CREATE TRIGGER spec_fail_chosen_inserts BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION spec_fail_chosen_inserts()`,
      );
    });

    afterAll(async () => {
      await dataSource.query(`DROP TRIGGER IF EXISTS spec_fail_chosen_inserts ON messages`);
      await dataSource.query(`DROP FUNCTION IF EXISTS spec_fail_chosen_inserts()`);
      const counters = await dataSource.query<Array<{ counter: string }>>(`SELECT counter FROM spec_insert_failures`);
      for (const { counter } of counters) await dataSource.query(`DROP SEQUENCE IF EXISTS ${counter}`);
      await dataSource.query(`DROP TABLE IF EXISTS spec_insert_failures`);
    });

    const failInserts = async (event: InboundMessageEvent, sqlstate: string, times: number) => {
      const counter = `spec_failure_${randomUUID().replace(/-/g, '')}`;
      await dataSource.query(`CREATE SEQUENCE ${counter}`);
      await dataSource.query(`INSERT INTO spec_insert_failures VALUES ($1, $2, $3, $4)`, [
        event.provider_message_id,
        sqlstate,
        times,
        counter,
      ]);
    };

    const retryEnv = { RETRY_FIRST_DELAY_MS: '100', RETRY_WINDOW_MS: '300' };

    it.each([
      ['a deadlock', '40P01'],
      ['a serialization failure', '40001'],
    ])('runs a batch that lost %s again in place', async (_what, sqlstate) => {
      const events = [
        inboundEvents.telegram(channels.telegram),
        inboundEvents.whatsapp(channels.whatsapp),
        inboundEvents.sms(channels.sms),
      ];
      await failInserts(events[1], sqlstate, 2);
      await bus.publish(events);
      const running = await start(retryEnv);

      await waitFor(async () => (await countInboundRows(dataSource, channelIds)) === 3, { description: 'all three rows' });
      expect(await running.metric('worker_transaction_conflicts_total', { code: sqlstate })).toBe(2);
      expect(await running.metric('worker_events_retried_total')).toBe(0);
      expect(await running.metric('worker_events_dead_lettered_total')).toBe(0);
    });

    it('dead-letters a poison event alone: an unknown channel and a value the database refuses, while their batch is stored', async () => {
      const good = Array.from({ length: 40 }, (_, i) => inboundEvents.whatsapp(channels.whatsapp, { message_body: `message ${i}` }));
      const unknownChannel = inboundEvents.telegram({ id: randomUUID(), account_id: channels.telegram.account_id });
      const refusedValue = inboundEvents.sms(channels.sms);
      await failInserts(refusedValue, '22021', 1_000);
      await bus.publish([...good.slice(0, 20), unknownChannel, ...good.slice(20, 30), refusedValue, ...good.slice(30)]);
      const running = await start();

      await waitFor(async () => (await countInboundRows(dataSource, channelIds)) === 40, { description: 'the 40 good rows' });
      await waitFor(async () => (await running.metric('worker_events_dead_lettered_total', { reason: 'database_refused' })) === 2, {
        description: 'two dead letters',
      });
      const dead = await bus.takeDeadLetters();
      const reasons = Object.fromEntries(
        dead.map((message) => [message.properties.messageId, String(message.properties.headers?.[HEADER_FAILURE_REASON])]),
      );
      expect(Object.keys(reasons).sort()).toEqual([unknownChannel.event_id, refusedValue.event_id].sort());
      expect(reasons[unknownChannel.event_id]).toMatch(/^database refused the event: 23503 .*fk_messages_channel/);
      expect(reasons[refusedValue.event_id]).toMatch(/^database refused the event: 22/);
      await expectMetric(running, 'worker_events_applied_total', 40);
      expect(await running.metric('worker_events_retried_total')).toBe(0);
    });

    it('sends an event to the delayed-retry path while the database fails, and stores it once it recovers', async () => {
      const event = inboundEvents.messenger(channels.messenger);
      await failInserts(event, '57P03', 2);
      const running = await start(retryEnv);
      await bus.publish([event]);

      await waitFor(() => rowFor(event), { description: 'the row after a retry', timeoutMs: 15_000 });
      await expectMetric(running, 'worker_events_applied_total', 1);
      expect(await running.metric('worker_events_retried_total')).toBeGreaterThanOrEqual(1);
      expect(await running.metric('worker_events_dead_lettered_total')).toBe(0);
    });

    it('dead-letters an event after the last retry, with the database’s reason', async () => {
      const event = inboundEvents.sms(channels.sms);
      await failInserts(event, '57P03', 1_000);
      const running = await start(retryEnv);
      await bus.publish([event]);

      const [dead] = await waitFor(
        async () => {
          const taken = await bus.takeDeadLetters();
          return taken.length > 0 ? taken : undefined;
        },
        { description: 'the dead letter', timeoutMs: 15_000 },
      );
      expect(dead.properties.messageId).toBe(event.event_id);
      expect(dead.properties.headers?.[HEADER_FAILURE_REASON]).toBe(
        'database unavailable: 57P03 injected failure (gave up after 2 retries)',
      );
      expect(dead.properties.headers?.[HEADER_ATTEMPT]).toBe(2);
      expect(JSON.parse(dead.content.toString())).toEqual(event);
      await expectMetric(running, 'worker_events_dead_lettered_total', 1, { reason: 'database_unavailable' });
      expect(await running.metric('worker_events_retried_total', { reason: 'database_unavailable' })).toBe(2);
      expect(await countInboundRows(dataSource, [channels.sms.id])).toBe(0);
    });
  });
});

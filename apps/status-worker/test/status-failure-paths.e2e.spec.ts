import { retryDelays } from '@inbound/messaging';
import { TcpProxy, waitFor } from '@inbound/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  at,
  type FileInfra,
  type InProcessWorker,
  migratedDataSource,
  openFileInfra,
  StatusBus,
  statusEvent,
  StatusFixtures,
  startInProcessWorker,
} from './support/status-worker-harness';

/** What the worker does with events it cannot apply: dead-letter with a reason, or retry later. */
describe('status-worker failure paths', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let fixtures: StatusFixtures;
  let channelId: string;
  const deadLetters = new Map<string, string>();

  beforeAll(async () => {
    infra = await openFileInfra('failures');
    dataSource = await migratedDataSource(infra);
    fixtures = new StatusFixtures(dataSource);
    channelId = await fixtures.channel();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.drop();
  });

  /** Test-only trigger: every UPDATE of the message with this provider id fails with SQLSTATE 22021. */
  async function refuseUpdatesOf(providerMessageId: string): Promise<void> {
    await dataSource.query(`CREATE TABLE IF NOT EXISTS spec_refused_updates (provider_message_id text PRIMARY KEY)`);
    await dataSource.query(`
      CREATE OR REPLACE FUNCTION spec_refuse_updates() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM spec_refused_updates WHERE provider_message_id = OLD.metadata_->>'provider_message_id') THEN
          RAISE EXCEPTION 'value refused by a test trigger' USING ERRCODE = '22021';
        END IF;
        RETURN NEW;
      END $$`);
    await dataSource.query(`DROP TRIGGER IF EXISTS spec_refuse_updates ON messages`);
    await dataSource.query(
      `CREATE TRIGGER spec_refuse_updates BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION spec_refuse_updates()`,
    );
    await dataSource.query(`INSERT INTO spec_refused_updates VALUES ($1) ON CONFLICT DO NOTHING`, [providerMessageId]);
  }

  async function waitForDeadLetters(bus: StatusBus, eventIds: string[]): Promise<void> {
    await waitFor(
      async () => {
        await bus.drainDeadLetters(deadLetters);
        return eventIds.every((id) => deadLetters.has(id));
      },
      { description: `dead letters ${eventIds.join(', ')}` },
    );
  }

  describe('with a 1 s retry window (200, 400, 400 ms)', () => {
    let bus: StatusBus;
    let worker: InProcessWorker | undefined;

    beforeAll(async () => {
      bus = await StatusBus.open(infra, retryDelays(200, 1_000));
    });

    afterAll(async () => {
      await worker?.stop();
      await bus?.close();
    });

    it('dead-letters only the poison events of a batch, each with its reason, and applies the rest', async () => {
      const groupId = await fixtures.group(channelId, 6);
      const messages = await Promise.all(Array.from({ length: 6 }, () => fixtures.outbound({ channelId, groupId })));
      const good = messages.map((message) =>
        statusEvent({
          channel_id: channelId,
          provider_message_id: message.providerMessageId as string,
          status: 'delivered',
          timestamp: at(2),
        }),
      );
      // The database refuses this one's update (a test trigger raising a data exception), with
      // its whole batch at first. Its message is its own: on a delivered message it would just be ignored.
      const poisoned = await fixtures.outbound({ channelId });
      await refuseUpdatesOf(poisoned.providerMessageId as string);
      const unstorable = statusEvent({
        channel_id: channelId,
        provider_message_id: poisoned.providerMessageId as string,
        status: 'failed',
        timestamp: at(1),
        error_message: 'refused by the database',
      });
      const notJsonId = randomUUID();
      const invalid = {
        ...statusEvent({ channel_id: channelId, provider_message_id: 'wamid.X', status: 'delivered', timestamp: 'yesterday' }),
      };

      // Published before the worker starts, so that they arrive together and share a batch.
      await bus.publish(good[0], good[1], unstorable, good[2]);
      await bus.publishRaw('{"event_id": ', notJsonId);
      await bus.publish(invalid, good[3], good[4], good[5]);
      worker = await startInProcessWorker(infra, { PREFETCH_COUNT: '40' });

      await waitFor(async () => (await fixtures.groupRow(groupId)).delivered_count === 6, { description: 'the six good events applied' });
      await waitForDeadLetters(bus, [unstorable.event_id, notJsonId, invalid.event_id]);
      expect(deadLetters.get(notJsonId)).toBe('body is not valid JSON');
      expect(deadLetters.get(invalid.event_id)).toContain('invalid event: timestamp');
      expect(deadLetters.get(unstorable.event_id)).toMatch(/^could not be applied: 22/);
      for (const event of good) expect(deadLetters.has(event.event_id)).toBe(false);
      expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 6, failed_count: 0 });
      expect(await fixtures.message(poisoned.id)).toMatchObject({ status: 'sent', failed_at: null });
      expect(await worker.counter('worker_events_dead_lettered_total')).toBe(3);
    });

    it('keeps what earlier passes of a batch committed when a later pass fails, and takes only the rest one by one', async () => {
      // A fresh worker: the events must arrive together, and its counters start at zero.
      await worker?.stop();
      const groupId = await fixtures.group(channelId, 4);
      const messages = await Promise.all(Array.from({ length: 4 }, () => fixtures.outbound({ channelId, groupId })));
      const poisoned = await fixtures.outbound({ channelId });
      await refuseUpdatesOf(poisoned.providerMessageId as string);
      const event = (providerMessageId: string | null, status: string, minute: number) =>
        statusEvent({ channel_id: channelId, provider_message_id: providerMessageId as string, status, timestamp: at(minute) });
      const delivered = messages.map((message) => event(message.providerMessageId, 'delivered', 2));
      // A batch naming two messages twice: two passes. The poisoned message is already sent, so its `sent` changes
      // nothing in the first pass; its `delivered` is refused in the second, after the first has committed.
      const read = event(messages[0].providerMessageId, 'read', 3);
      const poisonedSent = event(poisoned.providerMessageId, 'sent', 1);
      const poisonedDelivered = event(poisoned.providerMessageId, 'delivered', 2);
      await bus.publish(...delivered, poisonedSent, read, poisonedDelivered);
      worker = await startInProcessWorker(infra, { PREFETCH_COUNT: '40' });

      await waitForDeadLetters(bus, [poisonedDelivered.event_id]);
      await waitFor(async () => (await fixtures.groupRow(groupId)).read_count === 1, { description: 'the read applied' });
      expect(deadLetters.get(poisonedDelivered.event_id)).toMatch(/^could not be applied: 22/);
      expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 4, read_count: 1 });
      // The first pass's results stand: four deliveries applied, not reported again as already recorded.
      expect(await worker.counter('worker_events_applied_total')).toBe(5);
      expect(await worker.counter('worker_events_ignored_total', { reason: 'already_recorded' })).toBe(1);
      expect(await worker.counter('worker_status_batches_total', { path: 'one_statement' })).toBeGreaterThanOrEqual(1);
    });

    it('retries an event whose message never appears, then dead-letters it with the reason after the window', async () => {
      // The worker the previous test started (or a fresh one when this test runs alone).
      worker ??= await startInProcessWorker(infra, { PREFETCH_COUNT: '40' });
      const worker2 = worker;
      const retriedBefore = await worker2.counter('worker_events_retried_total', { reason: 'not_found' });
      const lost = statusEvent({ channel_id: channelId, provider_message_id: 'wamid.NEVER-SENT', status: 'delivered', timestamp: at(2) });
      await bus.publish(lost);

      await waitForDeadLetters(bus, [lost.event_id]);
      expect(deadLetters.get(lost.event_id)).toBe(
        `no outbound message with provider_message_id "wamid.NEVER-SENT" on channel ${channelId} (gave up after 3 retries)`,
      );
      expect((await worker2.counter('worker_events_retried_total', { reason: 'not_found' })) - retriedBefore).toBe(3);
      expect(await worker2.counter('worker_events_dead_lettered_total', { reason: 'not_found' })).toBe(1);
    });

    it('retries a watermark that covers no message through the window, then acks it without a dead letter', async () => {
      worker ??= await startInProcessWorker(infra, { PREFETCH_COUNT: '40' });
      const running = worker;
      const retriedBefore = await running.counter('worker_events_retried_total', { reason: 'not_found' });
      const ignoredBefore = await running.counter('worker_events_ignored_total', { reason: 'no_messages_covered' });
      const deadBefore = await running.counter('worker_events_dead_lettered_total');
      const watermark = statusEvent({
        channel_id: channelId,
        channel_type: 'messenger',
        status: 'read',
        timestamp: at(5),
        recipient_address: `psid-nobody-${randomUUID()}`,
        watermark: at(4),
      });
      await bus.publish(watermark);
      await waitFor(async () => (await running.counter('worker_events_ignored_total', { reason: 'no_messages_covered' })) > ignoredBefore, {
        description: 'the watermark acked after its retries',
      });
      expect((await running.counter('worker_events_retried_total', { reason: 'not_found' })) - retriedBefore).toBe(3);
      expect(await running.counter('worker_events_dead_lettered_total')).toBe(deadBefore);
      await bus.drainDeadLetters(deadLetters);
      expect(deadLetters.has(watermark.event_id)).toBe(false);
    });
  });

  describe('with a 5 s retry window (500, 1000, 3500 ms)', () => {
    let bus: StatusBus;
    let worker: InProcessWorker;

    beforeAll(async () => {
      bus = await StatusBus.open(infra, retryDelays(500, 5_000));
      worker = await startInProcessWorker(infra, { RETRY_FIRST_DELAY_MS: '500', RETRY_WINDOW_MS: '5000' });
    });

    afterAll(async () => {
      await worker?.stop();
      await bus?.close();
    });

    it('applies an event through the retry path when its message is committed seconds after it', async () => {
      const groupId = await fixtures.group(channelId, 1);
      const providerMessageId = `wamid.LATE-${randomUUID()}`;
      const read = statusEvent({ channel_id: channelId, provider_message_id: providerMessageId, status: 'read', timestamp: at(3) });
      await bus.publish(read);

      // The sender commits its row only after the event has been retried twice (0.5 s + 1 s).
      await waitFor(async () => (await worker.counter('worker_events_retried_total', { reason: 'not_found' })) >= 2, {
        description: 'two retries',
      });
      const message = await fixtures.outbound({ channelId, groupId, providerMessageId });

      const row = await waitFor(
        async () => {
          const current = await fixtures.message(message.id);
          return current.status === 'delivered' ? current : undefined;
        },
        { description: 'the late message read' },
      );
      expect(row.metadata_['read_at']).toBe(at(3));
      expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 1, read_count: 1 });
      await bus.drainDeadLetters(deadLetters);
      expect(deadLetters.has(read.event_id)).toBe(false);
    });
  });

  describe('while PostgreSQL is away (a proxy the test cuts), with a 1 s retry window', () => {
    let bus: StatusBus;
    let worker: InProcessWorker | undefined;
    let proxy: TcpProxy;

    beforeAll(async () => {
      bus = await StatusBus.open(infra, retryDelays(200, 1_000));
      const target = new URL(infra.databaseUrl);
      proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      await proxy.start();
    });

    afterAll(async () => {
      proxy.restore();
      await worker?.stop();
      await proxy.stop();
      await bus?.close();
    });

    it('pauses without spending retries, dead-letters nothing however long it lasts, and applies everything once it is back', async () => {
      const throughProxy = new URL(infra.databaseUrl);
      throughProxy.hostname = '127.0.0.1';
      throughProxy.port = String(proxy.port);
      worker = await startInProcessWorker({ ...infra, databaseUrl: throughProxy.toString() }, { PREFETCH_COUNT: '40' });
      const running = worker;
      const groupId = await fixtures.group(channelId, 30);
      const messages = await Promise.all(Array.from({ length: 30 }, () => fixtures.outbound({ channelId, groupId })));
      const delivered = messages.map((message) =>
        statusEvent({
          channel_id: channelId,
          provider_message_id: message.providerMessageId as string,
          status: 'delivered',
          timestamp: at(2),
        }),
      );

      proxy.disconnect();
      await bus.publish(...delivered);
      await waitFor(async () => (await running.counter('worker_consumer_state', { state: 'paused' })) === 1, {
        description: 'the consumer paused',
      });
      // Several times the whole retry window: on the old path every event would be dead-lettered by now.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await running.counter('worker_events_retried_total')).toBe(0);
      expect(await running.counter('worker_events_dead_lettered_total')).toBe(0);

      proxy.restore();
      await waitFor(async () => (await fixtures.groupRow(groupId)).delivered_count === 30, {
        description: 'every event applied',
        timeoutMs: 20_000,
      });
      await waitFor(async () => (await running.counter('worker_consumer_state', { state: 'consuming' })) === 1, {
        description: 'consuming again',
      });
      expect(await running.counter('worker_events_retried_total')).toBe(0);
      expect(await running.counter('worker_events_dead_lettered_total')).toBe(0);
      await bus.drainDeadLetters(deadLetters);
      for (const event of delivered) expect(deadLetters.has(event.event_id)).toBe(false);
      for (const message of messages) expect((await fixtures.message(message.id)).status).toBe('delivered');
    });
  });
});

import { waitFor } from '@inbound/testing';
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

/**
 * Every status rule of docs/CONTRACTS.md ("Status rules"), end to end: events published to
 * `message.status` as the gateway publishes them, applied by the worker running in this process.
 */
describe('status-worker applies the status rules', () => {
  let infra: FileInfra;
  let dataSource: DataSource;
  let fixtures: StatusFixtures;
  let bus: StatusBus;
  let worker: InProcessWorker;
  let channelId: string;

  beforeAll(async () => {
    infra = await openFileInfra('rules');
    dataSource = await migratedDataSource(infra);
    fixtures = new StatusFixtures(dataSource);
    bus = await StatusBus.open(infra);
    worker = await startInProcessWorker(infra);
    channelId = await fixtures.channel();
  });

  afterAll(async () => {
    await worker?.stop();
    await bus?.close();
    await dataSource?.destroy();
    await infra?.drop();
  });

  /** Publishes events and waits until the worker has settled all of them (applied or ignored). */
  async function publishAndSettle(...events: Array<ReturnType<typeof statusEvent>>): Promise<void> {
    const before = (await worker.counter('worker_events_applied_total')) + (await worker.counter('worker_events_ignored_total'));
    await bus.publish(...events);
    await waitFor(
      async () =>
        (await worker.counter('worker_events_applied_total')) + (await worker.counter('worker_events_ignored_total')) >=
        before + events.length,
      { description: `${events.length} status events settled` },
    );
  }

  async function campaignMessage(total = 1) {
    const groupId = await fixtures.group(channelId, total);
    const message = await fixtures.outbound({ channelId, groupId });
    return { groupId, id: message.id, providerMessageId: message.providerMessageId as string };
  }

  const event = (providerMessageId: string, status: string, timestamp: string, extra: Partial<Parameters<typeof statusEvent>[0]> = {}) =>
    statusEvent({ channel_id: channelId, provider_message_id: providerMessageId, status, timestamp, ...extra });

  it('sent: moves a queued message to sent with the provider time', async () => {
    const message = await fixtures.outbound({ channelId, status: 'queued', sentAt: null });
    await bus.publish(event(message.providerMessageId as string, 'sent', at(1)));
    const row = await waitFor(async () => {
      const current = await fixtures.message(message.id);
      return current.status === 'sent' ? current : undefined;
    });
    expect(row.sent_at?.toISOString()).toBe(at(1));
  });

  it('delivered: sets delivered_at to the event time and moves delivered_count once', async () => {
    const message = await campaignMessage();
    await publishAndSettle(event(message.providerMessageId, 'delivered', at(2)));
    const row = await fixtures.message(message.id);
    expect(row).toMatchObject({ status: 'delivered', failed_at: null });
    expect(row.delivered_at?.toISOString()).toBe(at(2));
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 1, failed_count: 0, read_count: 0 });
  });

  it('read before delivered: the read message is delivered too, at the read time; the late delivered refines the time only', async () => {
    const message = await campaignMessage();
    await publishAndSettle(event(message.providerMessageId, 'read', at(5)));
    let row = await fixtures.message(message.id);
    expect(row.status).toBe('delivered');
    expect(row.delivered_at?.toISOString()).toBe(at(5));
    expect(row.metadata_['read_at']).toBe(at(5));
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 1, read_count: 1 });

    await publishAndSettle(event(message.providerMessageId, 'delivered', at(3)));
    row = await fixtures.message(message.id);
    expect(row.delivered_at?.toISOString()).toBe(at(3));
    expect(row.metadata_['read_at']).toBe(at(5));
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 1, read_count: 1, failed_count: 0 });
  });

  it('failed: records failed_at and error_details with the provider status', async () => {
    const message = await campaignMessage();
    await publishAndSettle(
      event(message.providerMessageId, 'failed', at(4), {
        error_code: '30003',
        error_message: 'Unreachable destination handset',
        metadata: { provider_status: 'undelivered' },
      }),
    );
    const row = await fixtures.message(message.id);
    expect(row.status).toBe('failed');
    expect(row.failed_at?.toISOString()).toBe(at(4));
    expect(row.error_details).toEqual({ code: '30003', message: 'Unreachable destination handset', provider_status: 'undelivered' });
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 0, failed_count: 1, read_count: 0 });
  });

  it('delivered or read after failed: failed is terminal, no counter moves', async () => {
    const message = await campaignMessage();
    await publishAndSettle(event(message.providerMessageId, 'failed', at(4), { error_code: '131026' }));
    await publishAndSettle(event(message.providerMessageId, 'delivered', at(5)), event(message.providerMessageId, 'read', at(6)));
    const row = await fixtures.message(message.id);
    expect(row).toMatchObject({ status: 'failed', delivered_at: null });
    expect(row.metadata_['read_at']).toBeUndefined();
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 0, failed_count: 1, read_count: 0 });
  });

  it('failed after delivered: never overrides delivered', async () => {
    const message = await campaignMessage();
    await publishAndSettle(event(message.providerMessageId, 'delivered', at(2)));
    await publishAndSettle(event(message.providerMessageId, 'failed', at(3), { error_code: 'late' }));
    const row = await fixtures.message(message.id);
    expect(row).toMatchObject({ status: 'delivered', failed_at: null, error_details: null });
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 1, failed_count: 0 });
  });

  it('forward only: a late sent or queued does not move a delivered message back, but fills in sent_at', async () => {
    const message = await fixtures.outbound({ channelId, status: 'queued', sentAt: null });
    await publishAndSettle(event(message.providerMessageId as string, 'delivered', at(2)));
    await publishAndSettle(
      event(message.providerMessageId as string, 'sent', at(1)),
      event(message.providerMessageId as string, 'queued', at(0)),
    );
    const row = await fixtures.message(message.id);
    expect(row.status).toBe('delivered');
    expect(row.sent_at?.toISOString()).toBe(at(1));
    expect(row.delivered_at?.toISOString()).toBe(at(2));
  });

  it('queued: moves only a pending message', async () => {
    const pending = await fixtures.outbound({ channelId, status: 'pending', sentAt: null });
    await publishAndSettle(event(pending.providerMessageId as string, 'queued', at(1)));
    expect((await fixtures.message(pending.id)).status).toBe('queued');
  });

  it('duplicates: the same event five times moves the counters once and is counted as ignored', async () => {
    const message = await campaignMessage();
    const ignoredBefore = await worker.counter('worker_events_ignored_total');
    const delivered = event(message.providerMessageId, 'delivered', at(2));
    const read = event(message.providerMessageId, 'read', at(3));
    await publishAndSettle(delivered, read, delivered, read, delivered, read, delivered, read, delivered, read);
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 1, read_count: 1, failed_count: 0 });
    expect((await worker.counter('worker_events_ignored_total')) - ignoredBefore).toBe(8);
  });

  it('informational kinds go into metadata_.status_events only, first and last time kept, repeats ignored', async () => {
    const message = await campaignMessage();
    await publishAndSettle(
      event(message.providerMessageId, 'clicked', at(7)),
      event(message.providerMessageId, 'clicked', at(9)),
      event(message.providerMessageId, 'clicked', at(8)),
      event(message.providerMessageId, 'complained', at(10), {
        error_message: 'abuse report',
        metadata: { provider_status: 'spam_report' },
      }),
    );
    const row = await fixtures.message(message.id);
    expect(row.status).toBe('sent');
    expect(row.metadata_['status_events']).toEqual({
      clicked: { first_at: at(7), last_at: at(9) },
      complained: { first_at: at(10), last_at: at(10), error_message: 'abuse report', provider_status: 'spam_report' },
    });
    expect(row.metadata_['provider_message_id']).toBe(message.providerMessageId);
    expect(await fixtures.groupRow(message.groupId)).toMatchObject({ delivered_count: 0, failed_count: 0, read_count: 0 });
  });

  it('marks a campaign completed once every message is delivered or failed', async () => {
    const groupId = await fixtures.group(channelId, 2);
    const first = await fixtures.outbound({ channelId, groupId });
    const second = await fixtures.outbound({ channelId, groupId });
    await publishAndSettle(event(first.providerMessageId as string, 'delivered', at(2)));
    expect((await fixtures.groupRow(groupId)).status).toBe('processing');
    await publishAndSettle(event(second.providerMessageId as string, 'failed', at(2), { error_code: 'x' }));
    expect(await fixtures.groupRow(groupId)).toEqual({
      total_count: 2,
      delivered_count: 1,
      failed_count: 1,
      read_count: 0,
      status: 'completed',
    });
  });

  it('watermarks: delivered then read cover the recipient’s outbound messages sent up to the watermark, on that channel only', async () => {
    const messengerChannel = await fixtures.channel('messenger');
    const groupId = await fixtures.group(messengerChannel, 4);
    const psid = '6024129854333321';
    const outbound = (sentAt: string | null, createdAt?: string, address = psid, channel = messengerChannel) =>
      fixtures.outbound({
        channelId: channel,
        groupId: channel === messengerChannel ? groupId : null,
        deliveryAddress: address,
        providerMessageId: null,
        sentAt,
        createdAt,
      });
    const early = await outbound(at(1));
    const unsentEarly = await outbound(null, at(2));
    const late = await outbound(at(20));
    const otherRecipient = await outbound(at(1), undefined, '7000000000000001');
    const otherChannel = await outbound(at(1), undefined, psid, channelId);
    const watermarkEvent = (status: string, watermark: string, timestamp: string) =>
      statusEvent({ channel_id: messengerChannel, channel_type: 'messenger', status, timestamp, recipient_address: psid, watermark });

    await publishAndSettle(watermarkEvent('delivered', at(10), at(11)));
    for (const id of [early.id, unsentEarly.id]) {
      const row = await fixtures.message(id);
      expect(row.status).toBe('delivered');
      expect(row.delivered_at?.toISOString()).toBe(at(11));
    }
    for (const id of [late.id, otherRecipient.id, otherChannel.id]) expect((await fixtures.message(id)).status).not.toBe('delivered');
    expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 2, read_count: 0 });

    // A read watermark also delivers what it covers; the repeat changes nothing.
    await publishAndSettle(watermarkEvent('read', at(30), at(31)), watermarkEvent('read', at(30), at(31)));
    for (const id of [early.id, unsentEarly.id, late.id]) {
      const row = await fixtures.message(id);
      expect(row.status).toBe('delivered');
      expect(row.metadata_['read_at']).toBe(at(31));
    }
    expect((await fixtures.message(late.id)).delivered_at?.toISOString()).toBe(at(31));
    expect(await fixtures.groupRow(groupId)).toMatchObject({ delivered_count: 3, read_count: 3 });
    expect((await fixtures.message(otherRecipient.id)).metadata_['read_at']).toBeUndefined();
    expect((await fixtures.message(otherChannel.id)).metadata_['read_at']).toBeUndefined();
  });

  it('a status for an inbound message with the same provider id is not applied to it', async () => {
    const inboundId = `wamid.inbound.${Date.now()}`;
    const [inbound] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO messages (account_id, channel_id, direction, status, delivery_address, metadata_, delivered_at)
       VALUES ($1, $2, 'inbound', 'delivered', '+15550109999', $3, $4) RETURNING id`,
      ['0b7c4c2e-6a8f-4b51-9d1e-3f2a5c7e9b10', channelId, { provider_message_id: inboundId }, at(1)],
    );
    const retriedBefore = await worker.counter('worker_events_retried_total', { reason: 'not_found' });
    await bus.publish(event(inboundId, 'read', at(2)));
    await waitFor(async () => (await worker.counter('worker_events_retried_total', { reason: 'not_found' })) > retriedBefore, {
      description: 'the event sent to the retry path',
    });
    expect((await fixtures.message(inbound.id)).metadata_['read_at']).toBeUndefined();
  });

  it('exposes its metrics on the worker registry', async () => {
    const text = await worker.metrics.metrics();
    for (const name of [
      'worker_events_applied_total',
      'worker_events_ignored_total',
      'worker_events_retried_total',
      'worker_events_dead_lettered_total',
      'worker_batch_size_bucket',
      'worker_queue_lag_seconds_bucket',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/worker_events_applied_total\{status="delivered",service="status-worker"\} \d+/);
  });
});

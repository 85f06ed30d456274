import type { Channel } from '@inbound/domain';
import { freePort, waitFor } from '@inbound/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inboundEvents, type ChatChannelType } from './support/inbound-events';
import {
  AccountServer,
  expectMetric,
  InboundBus,
  inboundRowsOf,
  migratedDataSource,
  seedChannels,
  startInProcessWorker,
  type InProcessWorker,
} from './support/inbound-harness';

/**
 * Contact resolution against a local stand-in for the account service: whatever the service
 * answers, or fails to answer, every message is stored.
 */
describe('inbound-worker: contact resolution', () => {
  let dataSource: DataSource;
  let bus: InboundBus;
  let channels: Record<ChatChannelType, Channel>;
  let accounts: AccountServer;
  let worker: InProcessWorker | undefined;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    bus = await InboundBus.open();
    channels = await seedChannels(dataSource);
    accounts = await AccountServer.start();
  });

  beforeEach(async () => {
    await bus.purge();
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  /** Starts the worker in this process; afterEach stops it. */
  const start = async (env: Record<string, string> = {}): Promise<InProcessWorker> => (worker = await startInProcessWorker(env));

  afterAll(async () => {
    await accounts?.close();
    await bus?.close();
    await dataSource?.destroy();
  });

  const storedContactOf = async (providerMessageId: string) => {
    const rows = await inboundRowsOf(
      dataSource,
      Object.values(channels).map((channel) => channel.id),
    );
    const row = rows.find((candidate) => candidate.metadata_.provider_message_id === providerMessageId);
    return row ? { contact_id: row.contact_id } : undefined;
  };

  const lookups = (running: InProcessWorker, outcome: string) => running.metric('worker_contact_lookups_total', { outcome });

  it('stores the contact the account service finds, asking once per sender thanks to the cache', async () => {
    const contactId = randomUUID();
    const sender = `+1555${Math.floor(Math.random() * 1e7)}`;
    accounts.answers.set(sender, { status: 200, body: { id: contactId } });
    const running = await start({ ACCOUNT_API_URL: `${accounts.url}/` });

    const first = inboundEvents.sms(channels.sms, { sender_address: sender });
    await bus.publish([first]);
    expect(await waitFor(() => storedContactOf(first.provider_message_id))).toEqual({ contact_id: contactId });
    expect(accounts.requests.filter((request) => request.address === sender)).toEqual([
      { account_id: channels.sms.account_id, address: sender },
    ]);

    const second = inboundEvents.sms(channels.sms, { sender_address: sender });
    await bus.publish([second]);
    expect(await waitFor(() => storedContactOf(second.provider_message_id))).toEqual({ contact_id: contactId });
    expect(accounts.requestsFor(sender)).toBe(1);
    expect(await lookups(running, 'found')).toBe(1);
  });

  it('asks once for a sender who writes several messages at once', async () => {
    const sender = `ada+${randomUUID()}`;
    const contactId = randomUUID();
    accounts.answers.set(sender, { status: 200, body: { id: contactId } });
    const events = Array.from({ length: 5 }, () => inboundEvents.telegram(channels.telegram, { sender_address: sender }));
    await bus.publish(events);
    await start({ ACCOUNT_API_URL: accounts.url });

    for (const event of events) {
      expect(await waitFor(() => storedContactOf(event.provider_message_id))).toEqual({ contact_id: contactId });
    }
    expect(accounts.requestsFor(sender)).toBe(1);
  });

  it('stores the message without a contact when the service knows none (404)', async () => {
    const running = await start({ ACCOUNT_API_URL: accounts.url });
    const event = inboundEvents.whatsapp(channels.whatsapp, { sender_address: `1555${Math.floor(Math.random() * 1e7)}` });
    await bus.publish([event]);

    expect(await waitFor(() => storedContactOf(event.provider_message_id))).toEqual({ contact_id: null });
    expect(accounts.requestsFor(event.sender_address)).toBe(1);
    expect(await lookups(running, 'not_found')).toBe(1);
  });

  it.each([
    ['an answer that is not a contact id', { status: 200, body: { id: 'not-a-uuid' } }],
    ['a server error', { status: 503, body: { error: 'maintenance' } }],
  ])('stores the message without a contact on %s, counted as an error', async (_what, answer) => {
    const sender = `psid-${randomUUID()}`;
    accounts.answers.set(sender, answer);
    const running = await start({ ACCOUNT_API_URL: accounts.url });
    const event = inboundEvents.messenger(channels.messenger, { sender_address: sender });
    await bus.publish([event]);

    expect(await waitFor(() => storedContactOf(event.provider_message_id))).toEqual({ contact_id: null });
    expect(await lookups(running, 'error')).toBe(1);
  });

  it('stores the message without a contact when the service does not answer in time', async () => {
    const sender = `slow-${randomUUID()}`;
    accounts.answers.set(sender, { status: 200, hang: true });
    const running = await start({ ACCOUNT_API_URL: accounts.url, CONTACT_LOOKUP_TIMEOUT_MS: '200' });
    const event = inboundEvents.telegram(channels.telegram, { sender_address: sender });
    await bus.publish([event]);

    expect(await waitFor(() => storedContactOf(event.provider_message_id))).toEqual({ contact_id: null });
    expect(await lookups(running, 'timeout')).toBe(1);
    expect(accounts.requestsFor(sender)).toBe(1);
  });

  it('keeps storing messages while the service is down, and stops asking once the circuit opens', async () => {
    const closedPort = await freePort();
    const running = await start({ ACCOUNT_API_URL: `http://127.0.0.1:${closedPort}` });
    const events = Array.from({ length: 30 }, (_, i) =>
      inboundEvents.sms(channels.sms, { sender_address: `+1415555${String(i).padStart(4, '0')}` }),
    );
    for (const event of events) await bus.publish([event]);

    for (const event of events) {
      expect(await waitFor(() => storedContactOf(event.provider_message_id))).toEqual({ contact_id: null });
    }
    expect(await lookups(running, 'error')).toBeGreaterThanOrEqual(5);
    expect(await lookups(running, 'circuit_open')).toBeGreaterThanOrEqual(1);
    expect((await lookups(running, 'error')) + (await lookups(running, 'circuit_open'))).toBe(30);
    await expectMetric(running, 'worker_events_applied_total', 30);
  });

  it('serves the look-up counts on /metrics', async () => {
    const running = await start({ ACCOUNT_API_URL: accounts.url });
    const event = inboundEvents.sms(channels.sms, { sender_address: `+1555${Math.floor(Math.random() * 1e7)}` });
    await bus.publish([event]);
    await waitFor(() => storedContactOf(event.provider_message_id));

    const text = await waitFor(
      async () => {
        const scraped = await (await fetch(`http://127.0.0.1:${running.healthPort}/metrics`)).text();
        return scraped.includes('worker_events_applied_total{service="inbound-worker"} 1') ? scraped : undefined;
      },
      { description: 'the applied count on /metrics' },
    );
    expect(text).toContain('worker_contact_lookups_total{outcome="not_found",service="inbound-worker"} 1');
    expect(text).toContain('worker_events_applied_total{service="inbound-worker"} 1');
    expect(text).toMatch(/worker_batch_size_count\{service="inbound-worker"\} [1-9]/);
    expect(text).toMatch(/worker_queue_lag_seconds_count\{service="inbound-worker"\} 1/);
  });
});

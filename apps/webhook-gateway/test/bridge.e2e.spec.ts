import { INBOUND_QUEUE, outboundEventId, STATUS_QUEUE } from '@inbound/contracts';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '../src/app/infrastructure/infrastructure.module';
import { ACCOUNT_ID, migratedDataSource, QueueProbe, seedChannel, startGateway, type RunningGateway } from './support/gateway-harness';
import { post } from './support/signing';

/** The bridge channel type through the built gateway: bus events, and connection reports kept in PostgreSQL with their outbox event. */

const SECRET = 'bridge-webhook-secret-for-tests';
const fixture = (name: string) => readFileSync(join(__dirname, '../../../libs/adapters/src/bridge/fixtures', `${name}.json`), 'utf8');
// Computed here, independently of the adapter's check and of its test signer.
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const connectionCall = (status: string, timestamp: string, sessionId = 'store-main') =>
  JSON.stringify({ event_type: 'connection.status', timestamp, data: { status, session_id: sessionId } });

const ADMIN_TOKEN = 'bridge-spec-admin-token-0123456789';

describe('bridge webhooks over real HTTP, RabbitMQ and PostgreSQL', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let probe: QueueProbe;
  let channelId: string;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    probe = await QueueProbe.open();
    channelId = (await seedChannel(dataSource, 'bridge', { webhook_secret: SECRET })).id;
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await gateway?.stop();
    await probe?.close();
    await dataSource?.destroy();
  });

  beforeEach(() => probe.purge());

  const url = () => `${gateway.baseUrl}/webhooks/bridge/${channelId}`;
  const signed = (body: string, signature = sign(body)) =>
    post(url(), body, { 'content-type': 'application/json', 'x-webhook-signature': signature });
  const connection = async () =>
    ((await dataSource.query(`SELECT connection FROM channels WHERE id = $1`, [channelId])) as Array<{ connection: unknown }>)[0]
      .connection;
  const outboxRows = async () =>
    (await dataSource.query(
      `SELECT id, account_id, type, payload FROM outbox_events WHERE type = 'channel.connection_changed' AND payload->'data'->>'channel_id' = $1 ORDER BY position`,
      [channelId],
    )) as Array<{ id: string; account_id: string; type: string; payload: Record<string, unknown> }>;

  it('publishes a signed message.received to webhook.inbound.bridge before answering 200', async () => {
    const response = await signed(fixture('message-received-text'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    const [message, ...rest] = await probe.drain(INBOUND_QUEUE);
    expect(rest).toHaveLength(0);
    expect(message.fields.exchange).toBe('webhook.inbound');
    expect(message.fields.routingKey).toBe('webhook.inbound.bridge');
    const event = JSON.parse(message.content.toString());
    expect(message.properties.messageId).toBe(event.event_id);
    expect(event).toMatchObject({
      channel_id: channelId,
      account_id: ACCOUNT_ID,
      channel_type: 'bridge',
      provider_message_id: '3EB0C127D7BACC83D6A1',
      sender_address: '5511987654321',
      message_body: 'Olá, vocês entregam no sábado?',
    });
  });

  it.each([
    ['message-sent', 'message.status.sent', 'sent'],
    ['message-failed', 'message.status.failed', 'failed'],
  ])('publishes %s to message.status as %s', async (name, routingKey, status) => {
    expect((await signed(fixture(name))).status).toBe(200);
    const [message, ...rest] = await probe.drain(STATUS_QUEUE);
    expect(rest).toHaveLength(0);
    expect(message.fields.exchange).toBe('message.status');
    expect(message.fields.routingKey).toBe(routingKey);
    expect(JSON.parse(message.content.toString())).toMatchObject({ channel_id: channelId, channel_type: 'bridge', status });
  });

  describe('connection.status', () => {
    it('sets channels.connection and writes one channel.connection_changed event in the outbox', async () => {
      expect(await connection()).toBeNull();
      const response = await signed(connectionCall('connected', '2026-03-02T09:00:00.000Z'));
      expect(response.status).toBe(200);
      expect(await connection()).toEqual({ status: 'connected', session_id: 'store-main', reported_at: '2026-03-02T09:00:00.000Z' });
      const rows = await outboxRows();
      expect(rows).toHaveLength(1);
      const id = outboundEventId(`${channelId}:2026-03-02T09:00:00.000Z`, 'channel.connection_changed');
      expect(rows[0]).toMatchObject({ id, account_id: ACCOUNT_ID, type: 'channel.connection_changed' });
      expect(rows[0].payload).toEqual({
        id,
        type: 'channel.connection_changed',
        created_at: '2026-03-02T09:00:00.000Z',
        account_id: ACCOUNT_ID,
        data: {
          channel_id: channelId,
          status: 'connected',
          previous_status: null,
          session_id: 'store-main',
          reported_at: '2026-03-02T09:00:00.000Z',
        },
      });
      // Nothing goes on the buses for it.
      expect(await probe.count(INBOUND_QUEUE)).toBe(0);
      expect(await probe.count(STATUS_QUEUE)).toBe(0);
    });

    it('a newer report with another status moves it and reports the previous status', async () => {
      expect((await signed(connectionCall('disconnected', '2026-03-02T11:42:17.250Z'))).status).toBe(200);
      expect(await connection()).toEqual({ status: 'disconnected', session_id: 'store-main', reported_at: '2026-03-02T11:42:17.250Z' });
      const rows = await outboxRows();
      expect(rows).toHaveLength(2);
      expect(rows[1].payload.data).toMatchObject({ status: 'disconnected', previous_status: 'connected' });
    });

    it('the channel admin API shows the last report', async () => {
      const response = await fetch(`${gateway.baseUrl}/channels/${channelId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { connection?: unknown }).connection).toEqual({
        status: 'disconnected',
        session_id: 'store-main',
        reported_at: '2026-03-02T11:42:17.250Z',
      });
    });

    it('ignores an older report: no change, no event', async () => {
      expect((await signed(connectionCall('connected', '2026-03-02T10:00:00.000Z', 'older-session'))).status).toBe(200);
      expect(await connection()).toEqual({ status: 'disconnected', session_id: 'store-main', reported_at: '2026-03-02T11:42:17.250Z' });
      expect(await outboxRows()).toHaveLength(2);
    });

    it('the same report twice is one event', async () => {
      const body = connectionCall('qr_required', '2026-03-02T12:00:00.000Z');
      expect((await signed(body)).status).toBe(200);
      expect((await signed(body)).status).toBe(200);
      const rows = await outboxRows();
      expect(rows).toHaveLength(3);
      expect(rows[2].payload.data).toMatchObject({ status: 'qr_required', previous_status: 'disconnected' });
    });

    it('a newer report with the same status refreshes the stored report without an event', async () => {
      expect((await signed(connectionCall('qr_required', '2026-03-02T12:05:00.000Z', 'store-main-2'))).status).toBe(200);
      expect(await connection()).toEqual({ status: 'qr_required', session_id: 'store-main-2', reported_at: '2026-03-02T12:05:00.000Z' });
      expect(await outboxRows()).toHaveLength(3);
    });
  });

  it('answers 503 when PostgreSQL cannot take a connection report, so the bridge retries it', async () => {
    // The channel is cached from the calls above; the write itself fails (as it would with PostgreSQL away).
    await dataSource.query(`ALTER TABLE channels RENAME COLUMN connection TO connection_away`);
    try {
      const response = await signed(connectionCall('connected', '2026-03-02T12:30:00.000Z'));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await dataSource.query(`ALTER TABLE channels RENAME COLUMN connection_away TO connection`);
    }
    expect(await outboxRows()).toHaveLength(3);
  });

  it('answers a forged signature 401 and stores nothing', async () => {
    const before = await connection();
    for (const body of [fixture('message-received-text'), connectionCall('connected', '2026-03-02T13:00:00.000Z')]) {
      const response = await signed(body, sign(body, 'not-the-channel-secret'));
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
    expect(await connection()).toEqual(before);
    expect(await outboxRows()).toHaveLength(3);
    expect(await probe.count(INBOUND_QUEUE)).toBe(0);
  });

  it('answers 401 without a signature', async () => {
    const body = fixture('message-sent');
    expect((await post(url(), body, { 'content-type': 'application/json' })).status).toBe(401);
    expect(await probe.count(STATUS_QUEUE)).toBe(0);
  });

  it('answers a signed body that is not JSON 400', async () => {
    const response = await signed('{"event_type": "message.received", "data": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_payload', detail: 'invalid_json' });
  });

  it('answers a malformed known event 400', async () => {
    const body = JSON.stringify({ event_type: 'message.received', timestamp: 1, data: { text: 'no ids' } });
    const response = await signed(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_payload', detail: 'invalid_payload' });
  });

  it('accepts an unknown event type with 200, stores nothing, and counts it as skipped', async () => {
    const response = await signed(fixture('unknown-event-presence'));
    expect(response.status).toBe(200);
    expect(await probe.count(INBOUND_QUEUE)).toBe(0);
    expect(await probe.count(STATUS_QUEUE)).toBe(0);
    const registry = gateway.app.get<Registry>(METRICS_REGISTRY);
    const skipped = (await registry.getSingleMetric('gateway_webhook_items_skipped_total')?.get())?.values ?? [];
    expect(skipped).toContainEqual(expect.objectContaining({ labels: { channel_type: 'bridge', reason: 'unknown_event_type' }, value: 1 }));
  });
});

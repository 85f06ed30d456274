import { createDataSource } from '@inbound/domain';
import {
  type AppProcess,
  createIsolatedInfra,
  dropIsolatedInfra,
  freePort,
  type IsolatedInfra,
  killIfRunning,
  startBuiltApp,
  waitFor,
} from '@inbound/testing';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';

/**
 * The whole inbound pipeline as deployed (the three built apps as processes, real HTTP,
 * RabbitMQ and PostgreSQL) against the holes that lost, double-counted or forged state:
 * each case sends what a provider sends and reads the rows the workers wrote.
 */
const ADMIN_TOKEN = 'pipeline-admin-token-0123456789';
const ACCOUNT_ID = '5f0c7a9e-3b2d-4c1e-8f6a-9d8e7c6b5a40';
const APP_SECRET = 'meta-app-secret-shared-by-two-numbers';
const OUR_NUMBER = '106540352242922';
const PAGE_ID = '112233445566778';

const fixture = (provider: string, name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'libs', 'adapters', 'src', provider, 'fixtures', `${name}.json`), 'utf8');
const metaSignature = (body: string) => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;

interface Json {
  [key: string]: unknown;
}

describe('inbound pipeline end to end: what used to be lost, counted twice or forged', () => {
  let infra: IsolatedInfra;
  let dataSource: DataSource;
  let gateway: AppProcess;
  let statusWorker: AppProcess;
  let inboundWorker: AppProcess;
  let base: string;
  let statusHealth: string;
  let inboundHealth: string;
  const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const channels: Record<string, string> = {};

  beforeAll(async () => {
    // A database and vhost of this file's own: other specs of the project clear tables.
    infra = await createIsolatedInfra('pipeline');
    dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });

    const common = { DATABASE_URL: infra.databaseUrl, RABBITMQ_URL: infra.rabbitmqUrl, NODE_ENV: 'test' };
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startBuiltApp('webhook-gateway', {
      ...common,
      PORT: String(port),
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      SIGNATURE_FAILURE_LIMIT: '0',
    });
    // Short retry delays: an update for a message not stored yet is retried within seconds.
    const retries = { RETRY_FIRST_DELAY_MS: '200', RETRY_WINDOW_MS: '20000' };
    const [statusPort, inboundPort] = [await freePort(), await freePort()];
    statusHealth = `http://127.0.0.1:${statusPort}`;
    inboundHealth = `http://127.0.0.1:${inboundPort}`;
    statusWorker = startBuiltApp('status-worker', { ...common, ...retries, HEALTH_PORT: String(statusPort) });
    inboundWorker = startBuiltApp('inbound-worker', { ...common, ...retries, HEALTH_PORT: String(inboundPort) });
    for (const origin of [base, statusHealth, inboundHealth]) {
      await waitFor(async () => (await fetch(`${origin}/health/ready`)).ok, { timeoutMs: 30_000, description: `${origin} to be ready` });
    }

    channels.whatsapp = await createChannel('whatsapp', { app_secret: APP_SECRET, phone_number_id: OUR_NUMBER });
    channels.messenger = await createChannel('messenger', { app_secret: APP_SECRET, page_id: PAGE_ID });
    const verificationKey = sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    channels.sendgrid = await createChannel('email', { provider: 'sendgrid', verification_key: verificationKey });
    channels.ses = await createChannel('email', { provider: 'ses', topic_arn: 'arn:aws:sns:us-east-1:123456789012:ses-events' });
  }, 60_000);

  afterAll(async () => {
    for (const app of [gateway, statusWorker, inboundWorker]) {
      if (app && app.child.exitCode === null) app.child.kill('SIGTERM');
    }
    for (const app of [gateway, statusWorker, inboundWorker]) {
      if (app) await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await killIfRunning(app);
    }
    await dataSource?.destroy();
    if (infra) await dropIsolatedInfra(infra);
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function createChannel(channelType: string, credentials: Json): Promise<string> {
    const created = await admin('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: channelType,
      name: `${channelType} e2e`,
      credentials,
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** A counter's value on a process's /metrics, summed over the label sets that match. */
  async function metric(origin: string, name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${origin}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) total += Number(line.split(' ').pop());
    }
    return total;
  }

  const postWebhook = (route: string, channelId: string, body: string, headers: Record<string, string>) =>
    fetch(`${base}/webhooks/${route}/${channelId}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  /** An outbound message as the sender stores it when it sends one. */
  async function outbound(
    channelId: string,
    providerMessageId: string | null,
    deliveryAddress: string,
    groupId: string | null = null,
  ): Promise<string> {
    const [row] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, sent_at)
       VALUES ($1, $2, $3, 'outbound', 'sent', $4, $5, '2026-01-01T00:00:00Z') RETURNING id`,
      [ACCOUNT_ID, channelId, groupId, deliveryAddress, providerMessageId === null ? {} : { provider_message_id: providerMessageId }],
    );
    return row.id;
  }

  async function campaign(channelId: string, total: number): Promise<string> {
    const [row] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, $3) RETURNING id`,
      [ACCOUNT_ID, channelId, total],
    );
    return row.id;
  }

  const statusOf = async (id: string) =>
    (
      await dataSource.query<Array<{ status: string; read_at: string | null }>>(
        `SELECT status, metadata_->>'read_at' AS read_at FROM messages WHERE id = $1`,
        [id],
      )
    )[0];
  const counters = async (groupId: string) =>
    (
      await dataSource.query<Array<{ delivered_count: number; failed_count: number }>>(
        `SELECT delivered_count, failed_count FROM group_messages WHERE id = $1`,
        [groupId],
      )
    )[0];
  const inboundRows = (channelId: string) =>
    dataSource.query<Array<{ provider_message_id: string; message_body: string | null }>>(
      `SELECT metadata_->>'provider_message_id' AS provider_message_id, message_body FROM messages WHERE channel_id = $1 AND direction = 'inbound' ORDER BY created_at`,
      [channelId],
    );

  function signedSendGrid(events: unknown[]): [string, Record<string, string>] {
    const body = `${JSON.stringify(events)}\r\n`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), sendgridKeys.privateKey).toString('base64');
    return [body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp }];
  }

  const sendGridEvent = (event: string, email: string, messageId: string, extra: Json = {}) => ({
    email,
    event,
    timestamp: Math.floor(Date.now() / 1000),
    sg_event_id: randomUUID(),
    sg_message_id: `${messageId}.filter0001.16648.5515E0B88.0`,
    ...extra,
  });

  it('1, 12: one SendGrid id for three recipients moves only the named recipient’s row, and a batch with unreadable elements keeps its good events', async () => {
    const groupId = await campaign(channels.sendgrid, 3);
    const messageId = `14c5d75ce93-${randomUUID().slice(0, 8)}`;
    const [a, b, c] = [
      await outbound(channels.sendgrid, messageId, 'a@example.com', groupId),
      await outbound(channels.sendgrid, messageId, 'b@example.com', groupId),
      await outbound(channels.sendgrid, messageId, 'c@example.com', groupId),
    ];
    const [body, headers] = signedSendGrid([
      sendGridEvent('delivered', 'A@example.com', messageId),
      42,
      { email: 'x@example.com' },
      sendGridEvent('bounce', 'b@example.com', messageId, { status: '5.1.1', reason: '550 unknown user', type: 'bounce' }),
      'not an event',
    ]);
    const response = await postWebhook('email', channels.sendgrid, body, headers);
    expect(response.status).toBe(200);

    await waitFor(async () => (await statusOf(b)).status === 'failed', { description: 'the bounce of b@', timeoutMs: 15_000 });
    await waitFor(async () => (await statusOf(a)).status === 'delivered', { description: 'the delivery to a@', timeoutMs: 15_000 });
    expect((await statusOf(c)).status).toBe('sent');
    expect(await counters(groupId)).toEqual({ delivered_count: 1, failed_count: 1 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_webhook_items_skipped_total\{channel_type="email",reason="unreadable_item",service="webhook-gateway"\} 3/,
    );
  });

  it('3: a Messenger read watermark that arrives before its message is stored is retried, then applied', async () => {
    const psid = `psid-${randomUUID().slice(0, 8)}`;
    const watermark = Date.parse('2026-01-01T00:05:00Z');
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: watermark,
          messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: watermark, read: { watermark } }],
        },
      ],
    });
    const retriedBefore = await metric(statusHealth, 'worker_events_retried_total', { reason: 'not_found' });
    expect((await postWebhook('messenger', channels.messenger, body, { 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);
    // The sender commits its row only once the worker has found nothing and sent the read to the retry path.
    await waitFor(async () => (await metric(statusHealth, 'worker_events_retried_total', { reason: 'not_found' })) > retriedBefore, {
      description: 'the watermark on the retry path',
      timeoutMs: 15_000,
    });
    const row = await outbound(channels.messenger, null, psid);
    const read = await waitFor(
      async () => {
        const state = await statusOf(row);
        return state.read_at ? state : undefined;
      },
      { description: 'the read applied after a retry', timeoutMs: 15_000 },
    );
    expect(read).toEqual({ status: 'delivered', read_at: '2026-01-01T00:05:00.000Z' });
  });

  it('4, 7: a text with U+0000 is stored, and a change for another number of the same Meta app is not stored under this channel', async () => {
    const notification = JSON.parse(fixture('whatsapp', 'text-message'));
    const ours = notification.entry[0].changes[0];
    ours.value.messages[0].id = `wamid.NUL-${randomUUID()}`;
    ours.value.messages[0].text.body = 'before\u0000after';
    const theirs = JSON.parse(JSON.stringify(ours));
    theirs.value.metadata.phone_number_id = '999999999999999';
    theirs.value.messages[0].id = `wamid.THEIRS-${randomUUID()}`;
    notification.entry[0].changes.push(theirs);
    const body = JSON.stringify(notification);
    expect((await postWebhook('whatsapp', channels.whatsapp, body, { 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);

    const rows = await waitFor(
      async () => {
        const stored = await inboundRows(channels.whatsapp);
        return stored.some((row) => row.provider_message_id === ours.value.messages[0].id) ? stored : undefined;
      },
      { description: 'our message', timeoutMs: 15_000 },
    );
    expect(rows.find((row) => row.provider_message_id === ours.value.messages[0].id)?.message_body).toBe('before\uFFFDafter');
    expect(rows.map((row) => row.provider_message_id)).not.toContain(theirs.value.messages[0].id);
    expect(await metric(inboundHealth, 'worker_events_dead_lettered_total')).toBe(0);
    expect(await metric(base, 'gateway_webhook_items_skipped_total', { reason: 'other_phone_number' })).toBe(1);
  });

  it('5: SES needs topic_arn, and a signed-looking notification or confirmation from another topic is refused and leaves nothing', async () => {
    const missing = await admin('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: 'email',
      name: 'ses',
      credentials: { provider: 'ses' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('credentials.topic_arn');

    const messageId = `EXAMPLE-${randomUUID()}`;
    const row = await outbound(channels.ses, messageId, 'recipient@example.com');
    const forged = JSON.parse(fixture('ses', 'notification-bounce'));
    forged.TopicArn = 'arn:aws:sns:us-east-1:999999999999:attacker';
    forged.Message = forged.Message.replace('EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000', messageId);
    const confirmation = JSON.parse(fixture('ses', 'subscription-confirmation'));
    for (const envelope of [forged, confirmation]) {
      const response = await postWebhook('email', channels.ses, JSON.stringify(envelope), {
        'content-type': 'text/plain; charset=UTF-8',
        'x-amz-sns-message-type': envelope.Type,
      });
      expect(response.status).toBe(401);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_webhook_rejections_total\{channel_type="email",reason="topic_not_allowed",service="webhook-gateway"\} 2/,
    );
    expect((await statusOf(row)).status).toBe('sent');
  });

  it('13: a 3 MB WhatsApp status batch is accepted and every status in it applied', async () => {
    const groupId = await campaign(channels.whatsapp, 4_000);
    const prefix = `wamid.BIG-${randomUUID()}-`;
    await dataSource.query(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, sent_at)
       SELECT $1, $2, $3, 'outbound', 'sent', '+1555' || n, jsonb_build_object('provider_message_id', $4 || n), '2026-01-01T00:00:00Z'
       FROM generate_series(0, 3999) AS n`,
      [ACCOUNT_ID, channels.whatsapp, groupId, prefix],
    );
    const notification = JSON.parse(fixture('whatsapp', 'status-delivered'));
    const template = notification.entry[0].changes[0].value.statuses[0];
    notification.entry[0].changes[0].value.statuses = Array.from({ length: 4_000 }, (_, n) => ({
      ...template,
      id: `${prefix}${n}`,
      recipient_id: `1555${n}`,
      biz_opaque_callback_data: 'campaign-tracking-'.repeat(32),
    }));
    const body = JSON.stringify(notification);
    expect(body.length).toBeGreaterThan(3_000_000);
    expect((await postWebhook('whatsapp', channels.whatsapp, body, { 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);
    await waitFor(async () => (await counters(groupId)).delivered_count === 4_000, { description: '4,000 deliveries', timeoutMs: 30_000 });
  });
});

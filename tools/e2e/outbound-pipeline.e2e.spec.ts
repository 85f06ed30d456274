import { createDataSource } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra, type IsolatedInfra, startPipeline, type RunningPipeline, waitFor } from '@inbound/testing';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';

const ADMIN_TOKEN = 'outbound-pipeline-admin-token-0123';
const ACCOUNT_ID = '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const APP_SECRET = 'meta-app-secret-of-the-outbound-pipeline';
const OUR_NUMBER = '106540352242922';
const MESSAGES = 60;

/** The part of a WhatsApp notification the tests rewrite. */
interface Notification {
  entry: Array<{ changes: Array<{ value: { messages?: Array<{ id: string }>; statuses?: Array<Record<string, unknown>> } }> }>;
}

const fixture = (name: string): Notification =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'libs', 'adapters', 'src', 'whatsapp', 'fixtures', `${name}.json`), 'utf8'));
const metaSignature = (body: string) => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;

interface Envelope {
  id: string;
  type: string;
  account_id: string;
  data: Record<string, unknown>;
}

/**
 * The four built apps as processes, from a provider's signed webhook to a customer's subscribed URL: what the workers
 * store reaches the subscriber as signed outbound events, one per change, whatever the order and the duplicates.
 */
describe('outbound pipeline end to end: provider webhook → rows → outbox → subscriber', () => {
  let infra: IsolatedInfra;
  let dataSource: DataSource;
  let pipeline: RunningPipeline | undefined;
  let base: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let channelId: string;
  let secret: string;

  beforeAll(async () => {
    infra = await createIsolatedInfra('outbound-pipeline');
    dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });

    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;

    const common = {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      NODE_ENV: 'test',
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
      RETRY_FIRST_DELAY_MS: '200',
      RETRY_WINDOW_MS: '20000',
    };
    pipeline = await startPipeline(common, { ADMIN_API_TOKEN: ADMIN_TOKEN });
    base = pipeline.gateway;

    const channel = await admin('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: 'whatsapp',
      name: 'outbound pipeline',
      credentials: { app_secret: APP_SECRET, phone_number_id: OUR_NUMBER },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id as string;
    const subscription = await admin('POST', '/subscriptions', { account_id: ACCOUNT_ID, url: receiverUrl, events: ['*'] });
    expect(subscription.status).toBe(201);
    secret = subscription.body.secret as string;
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await dataSource?.destroy();
    if (infra) await dropIsolatedInfra(infra);
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function postSigned(notification: unknown): Promise<number> {
    const body = JSON.stringify(notification);
    const response = await fetch(`${base}/webhooks/whatsapp/${channelId}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) },
    });
    return response.status;
  }

  /** Every event the subscriber got, each checked with the Standard Webhooks verifier. */
  const verifiedEvents = (): Envelope[] =>
    received.map(({ headers, body }) => new Webhook(secret).verify(body, headers as Record<string, string>) as Envelope);

  it('an inbound message reaches the subscriber as message.received, naming the stored row', async () => {
    const notification = fixture('text-message');
    const providerMessageId = `wamid.OUTBOUND-${randomUUID()}`;
    (notification.entry[0].changes[0].value.messages as Array<{ id: string }>)[0].id = providerMessageId;
    expect(await postSigned(notification)).toBe(200);
    expect(await postSigned(notification)).toBe(200); // the provider's retry

    const event = await waitFor(() => verifiedEvents().find((candidate) => candidate.data['provider_message_id'] === providerMessageId), {
      timeoutMs: 20_000,
      description: 'message.received at the subscriber',
    });
    const [row] = await dataSource.query(`SELECT id FROM messages WHERE metadata_->>'provider_message_id' = $1`, [providerMessageId]);
    expect(event).toMatchObject({ type: 'message.received', account_id: ACCOUNT_ID, data: { message_id: row.id, channel_id: channelId } });
    // The retry stored nothing, so reported nothing.
    const [{ published }] = await dataSource.query(
      `SELECT count(*) FILTER (WHERE published_at IS NOT NULL)::int AS published FROM outbox_events`,
    );
    expect(published).toBe(1);
    expect(verifiedEvents().filter((candidate) => candidate.data['provider_message_id'] === providerMessageId)).toHaveLength(1);
  });

  it('a shuffled, duplicated status storm reaches it as exactly one delivered and one read per message, and one campaign.completed', async () => {
    const [{ id: groupId }] = await dataSource.query(
      `INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, $3) RETURNING id`,
      [ACCOUNT_ID, channelId, MESSAGES],
    );
    const prefix = `wamid.STORM-${randomUUID()}-`;
    await dataSource.query(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_)
       SELECT $1, $2, $3, 'outbound', 'queued', '1555' || n, jsonb_build_object('provider_message_id', $4 || n)
       FROM generate_series(0, ${MESSAGES - 1}) AS n`,
      [ACCOUNT_ID, channelId, groupId, prefix],
    );
    const template = (fixture('status-delivered').entry[0].changes[0].value.statuses as Array<Record<string, unknown>>)[0];
    const base = Math.floor(Date.now() / 1000) - 600;
    const statuses = Array.from({ length: MESSAGES }, (_, n) =>
      (['sent', 'delivered', 'read'] as const).map((status, step) => ({
        ...template,
        id: `${prefix}${n}`,
        recipient_id: `1555${n}`,
        status,
        timestamp: String(base + step * 60),
      })),
    ).flat();
    // Every status twice, in a random order, twenty to a call.
    const storm = [...statuses, ...statuses].sort(() => Math.random() - 0.5);
    const calls: Promise<number>[] = [];
    for (let start = 0; start < storm.length; start += 20) {
      const notification = fixture('status-delivered');
      notification.entry[0].changes[0].value.statuses = storm.slice(start, start + 20);
      calls.push(postSigned(notification));
    }
    expect(new Set(await Promise.all(calls))).toEqual(new Set([200]));

    const completed = await waitFor(
      () => verifiedEvents().find((event) => event.type === 'campaign.completed' && event.data['group_message_id'] === groupId),
      { timeoutMs: 30_000, description: 'campaign.completed at the subscriber' },
    );
    expect(completed.data).toMatchObject({ total_count: MESSAGES, delivered_count: MESSAGES, failed_count: 0 });
    await waitFor(
      () =>
        verifiedEvents().filter((event) => event.type === 'message.read' && String(event.data['provider_message_id']).startsWith(prefix))
          .length === MESSAGES,
      { timeoutMs: 30_000, description: 'a message.read per message' },
    );

    const ofStorm = verifiedEvents().filter((event) => String(event.data['provider_message_id'] ?? '').startsWith(prefix));
    const idsPer = (type: string) => {
      const ids = new Map<string, Set<string>>();
      for (const event of ofStorm.filter((candidate) => candidate.type === type)) {
        const message = String(event.data['message_id']);
        ids.set(message, (ids.get(message) ?? new Set()).add(event.id));
      }
      return ids;
    };
    for (const type of ['message.delivered', 'message.read']) {
      const ids = idsPer(type);
      expect(ids.size).toBe(MESSAGES);
      expect([...ids.values()].every((set) => set.size === 1)).toBe(true);
    }
    // A sent that arrives after delivered moves nothing, so reports nothing: at most one per message.
    expect([...idsPer('message.sent').values()].every((set) => set.size === 1)).toBe(true);
    expect(
      verifiedEvents().filter((event) => event.type === 'campaign.completed' && event.data['group_message_id'] === groupId),
    ).toHaveLength(1);
    const [{ delivered_count: deliveredCount, read_count: readCount }] = await dataSource.query(
      `SELECT delivered_count, read_count FROM group_messages WHERE id = $1`,
      [groupId],
    );
    expect([deliveredCount, readCount]).toEqual([MESSAGES, MESSAGES]);
  });
});

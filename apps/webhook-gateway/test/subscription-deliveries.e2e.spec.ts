import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { ACCOUNT_ID, migratedDataSource, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close: () => Promise<void>;
}

/** A local endpoint answering every POST with `status` and `body`, keeping what it was sent. */
async function startReceiver(status: number, body = ''): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('subscription tests and the delivery log', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    // Receivers listen on loopback, which only this setting lets a subscription (and a test send) reach.
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, OUTBOUND_ALLOW_PRIVATE_URLS: 'true' });
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await dataSource?.destroy();
  });

  const receiver = async (status: number, body = '') => {
    const started = await startReceiver(status, body);
    receivers.push(started);
    return started;
  };

  const api = async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
  };

  const createSubscription = async (fields: Json = {}): Promise<Json> => {
    const { status, body } = await api('POST', '/subscriptions', { account_id: ACCOUNT_ID, url: 'http://127.0.0.1:9/none', ...fields });
    expect(status).toBe(201);
    return body;
  };

  /** A delivery row written as the dispatcher would, for the listing and redelivery routes. */
  const insertDelivery = async (subscriptionId: string, fields: Json = {}): Promise<string> => {
    const row = {
      status: 'dead',
      attempts: 3,
      created_at: new Date().toISOString(),
      next_attempt_at: null,
      locked_until: null,
      ...fields,
    };
    const eventId = randomUUID();
    const [{ id }] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO webhook_deliveries (id, subscription_id, account_id, event_id, event_type, payload, status, attempts, created_at,
         next_attempt_at, locked_until, last_attempt_at, response_status, error, error_class, duration_ms)
       VALUES ($1, $2, $3, $4, 'message.received', $5::jsonb, $6, $7, $8, $9, $10, $8, 503, 'the endpoint answered 503', NULL, 12)
       RETURNING id`,
      [
        fields['id'] ?? randomUUID(),
        subscriptionId,
        ACCOUNT_ID,
        eventId,
        JSON.stringify({ id: eventId, type: 'message.received', created_at: row.created_at, account_id: ACCOUNT_ID, data: {} }),
        row.status,
        row.attempts,
        row.created_at,
        row.next_attempt_at,
        row.locked_until,
      ],
    );
    return id;
  };

  const storedDelivery = async (id: string): Promise<Json> =>
    (await dataSource.query<Json[]>(`SELECT * FROM webhook_deliveries WHERE id = $1`, [id]))[0];

  describe('POST /subscriptions/:id/test', () => {
    it('sends a signed webhook.test event, answers what the endpoint did, and logs it as a delivery', async () => {
      const endpoint = await receiver(200, 'thanks');
      const created = await createSubscription({ url: endpoint.url });
      // After a rotation both secrets sign: a receiver still holding the old one verifies too.
      const rotated = await api('POST', `/subscriptions/${created.id}/rotate-secret`);

      const { status, body } = await api('POST', `/subscriptions/${created.id}/test`);
      expect(status).toBe(200);
      expect(body).toEqual({
        ok: true,
        response_status: 200,
        duration_ms: expect.any(Number),
        response_body: 'thanks',
        error: null,
        delivery_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });

      expect(endpoint.received).toHaveLength(1);
      const [{ headers, body: sent }] = endpoint.received;
      expect(headers['x-event-type']).toBe('webhook.test');
      expect(headers['content-type']).toBe('application/json');
      const signed = {
        'webhook-id': String(headers['webhook-id']),
        'webhook-timestamp': String(headers['webhook-timestamp']),
        'webhook-signature': String(headers['webhook-signature']),
      };
      const envelope = JSON.parse(sent);
      expect(new Webhook(rotated.body.secret).verify(sent, signed)).toEqual(envelope);
      expect(new Webhook(created.secret).verify(sent, signed)).toEqual(envelope);
      expect(envelope).toEqual({
        id: signed['webhook-id'],
        type: 'webhook.test',
        created_at: expect.stringMatching(ISO),
        account_id: ACCOUNT_ID,
        data: { subscription_id: created.id },
      });

      const delivery = await storedDelivery(body.delivery_id);
      expect(delivery).toMatchObject({
        subscription_id: created.id,
        account_id: ACCOUNT_ID,
        event_id: envelope.id,
        event_type: 'webhook.test',
        payload: envelope,
        status: 'succeeded',
        attempts: 1,
        next_attempt_at: null,
        locked_until: null,
        response_status: 200,
        response_body: 'thanks',
        error: null,
        error_class: null,
      });
      const attempts = await dataSource.query<Json[]>(`SELECT * FROM webhook_delivery_attempts WHERE delivery_id = $1`, [body.delivery_id]);
      expect(attempts).toEqual([
        expect.objectContaining({ attempt: 1, response_status: 200, response_body: 'thanks', error: null, error_class: null }),
      ]);
      expect(attempts[0].started_at).toEqual(delivery.last_attempt_at);
    });

    it('tests a disabled subscription too; a 500 is ok: false, logged dead and not retried', async () => {
      const endpoint = await receiver(500, 'broken');
      const created = await createSubscription({ url: endpoint.url, enabled: false });
      const { status, body } = await api('POST', `/subscriptions/${created.id}/test`, {});
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: false, response_status: 500, response_body: 'broken', error: 'the endpoint answered 500' });
      expect(endpoint.received).toHaveLength(1);
      expect(await storedDelivery(body.delivery_id)).toMatchObject({ status: 'dead', attempts: 1, next_attempt_at: null });
    });

    it('an endpoint nobody listens on is ok: false with the error and no answer', async () => {
      const created = await createSubscription({ url: `http://127.0.0.1:${await closedPort()}/hooks` });
      const { status, body } = await api('POST', `/subscriptions/${created.id}/test`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: false, response_status: null, response_body: null, error: expect.stringContaining('refused') });
      expect(await storedDelivery(body.delivery_id)).toMatchObject({ status: 'dead', error_class: 'refused', response_status: null });
    });

    it('404 for an unknown or malformed subscription id; 400 naming a field sent in the body', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        expect(await api('POST', `/subscriptions/${id}/test`)).toEqual({
          status: 404,
          body: { error: 'not_found', message: 'no such subscription' },
        });
      }
      const created = await createSubscription();
      expect(await api('POST', `/subscriptions/${created.id}/test`, { url: 'http://127.0.0.1:1/' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', field: 'url' },
      });
    });
  });

  describe('GET /subscriptions/:id/deliveries', () => {
    it('pages newest first with a cursor, even through rows created in the same millisecond', async () => {
      const { id: subscriptionId } = await createSubscription();
      // Three rows within one millisecond (two at the same microsecond): the order and the cursor need all the precision.
      const newest = await insertDelivery(subscriptionId, { created_at: '2026-01-01T00:00:00.000300Z', status: 'failed' });
      const tied = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
      for (const id of tied) await insertDelivery(subscriptionId, { id, created_at: '2026-01-01T00:00:00.000100Z' });
      const order = [newest, tied[1], tied[0]];

      const first = await api('GET', `/subscriptions/${subscriptionId}/deliveries?limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.deliveries.map((delivery: Json) => delivery.id)).toEqual(order.slice(0, 2));
      expect(first.body.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const second = await api('GET', `/subscriptions/${subscriptionId}/deliveries?limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body.deliveries.map((delivery: Json) => delivery.id)).toEqual(order.slice(2));
      expect(second.body.next_cursor).toBeNull();

      const all = await api('GET', `/subscriptions/${subscriptionId}/deliveries`);
      expect(all.body.next_cursor).toBeNull();
      expect(all.body.deliveries[0]).toEqual({
        id: newest,
        subscription_id: subscriptionId,
        event_id: expect.any(String),
        event_type: 'message.received',
        status: 'failed',
        attempts: 3,
        next_attempt_at: null,
        last_attempt_at: '2026-01-01T00:00:00.000Z',
        response_status: 503,
        response_body: null,
        error: 'the endpoint answered 503',
        error_class: null,
        duration_ms: 12,
        created_at: '2026-01-01T00:00:00.000Z',
      });
      expect(all.body.deliveries[0]).not.toHaveProperty('payload');
    });

    it('filters by status and shows no other subscription’s deliveries', async () => {
      const { id: subscriptionId } = await createSubscription();
      const { id: otherId } = await createSubscription();
      const failed = await insertDelivery(subscriptionId, { status: 'failed' });
      await insertDelivery(subscriptionId, { status: 'dead' });
      await insertDelivery(otherId, { status: 'failed' });
      const { body } = await api('GET', `/subscriptions/${subscriptionId}/deliveries?status=failed`);
      expect(body).toEqual({ deliveries: [expect.objectContaining({ id: failed, status: 'failed' })], next_cursor: null });
      expect((await api('GET', `/subscriptions/${subscriptionId}/deliveries?status=succeeded`)).body).toEqual({
        deliveries: [],
        next_cursor: null,
      });
    });

    it.each([
      ['status=gone', 'status'],
      ['status=failed&status=dead', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=nope', 'cursor'],
      [`cursor=${Buffer.from('2026-01-01T00:00:00Z|x').toString('base64url')}`, 'cursor'],
      ['order=asc', 'order'],
    ])('400 for ?%s naming %s', async (query, field) => {
      const { id } = await createSubscription();
      const { status, body } = await api('GET', `/subscriptions/${id}/deliveries?${query}`);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_request', field, message: expect.stringContaining(field) });
    });

    it('404 for an unknown or malformed subscription id', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        expect((await api('GET', `/subscriptions/${id}/deliveries`)).status).toBe(404);
      }
    });
  });

  describe('GET /deliveries/:id', () => {
    it('shows the delivery with its envelope and its attempts in order', async () => {
      const { id: subscriptionId } = await createSubscription();
      const id = await insertDelivery(subscriptionId, { attempts: 3 });
      // Written out of order: the answer orders them.
      for (const attempt of [2, 1, 3]) {
        await dataSource.query(
          `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, response_status, response_body, error_class, error, duration_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          attempt === 3
            ? [id, 3, '2026-01-01T00:03:00Z', null, null, 'timeout', 'no answer within 10000 ms', 10000]
            : [id, attempt, `2026-01-01T00:0${attempt}:00Z`, 503, 'busy', null, 'the endpoint answered 503', 20 + attempt],
        );
      }
      const { status, body } = await api('GET', `/deliveries/${id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id, subscription_id: subscriptionId, status: 'dead', attempts: 3 });
      expect(body.payload).toMatchObject({ id: body.event_id, type: 'message.received', account_id: ACCOUNT_ID });
      expect(body.attempts_log).toEqual([
        {
          attempt: 1,
          started_at: '2026-01-01T00:01:00.000Z',
          response_status: 503,
          response_body: 'busy',
          error_class: null,
          error: 'the endpoint answered 503',
          duration_ms: 21,
        },
        {
          attempt: 2,
          started_at: '2026-01-01T00:02:00.000Z',
          response_status: 503,
          response_body: 'busy',
          error_class: null,
          error: 'the endpoint answered 503',
          duration_ms: 22,
        },
        {
          attempt: 3,
          started_at: '2026-01-01T00:03:00.000Z',
          response_status: null,
          response_body: null,
          error_class: 'timeout',
          error: 'no answer within 10000 ms',
          duration_ms: 10000,
        },
      ]);
    });

    it('404 for an unknown or malformed delivery id', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        expect(await api('GET', `/deliveries/${id}`)).toEqual({ status: 404, body: { error: 'not_found', message: 'no such delivery' } });
        expect((await api('POST', `/deliveries/${id}/redeliver`)).status).toBe(404);
      }
    });
  });

  describe('redeliver', () => {
    it('POST /deliveries/:id/redeliver queues one delivery again, whatever its status, attempts kept', async () => {
      const { id: subscriptionId } = await createSubscription();
      for (const status of ['dead', 'succeeded', 'failed']) {
        const id = await insertDelivery(subscriptionId, { status, locked_until: '2020-01-01T00:00:00Z' });
        const before = Date.now();
        const { status: code, body } = await api('POST', `/deliveries/${id}/redeliver`);
        expect(code).toBe(202);
        expect(body).toMatchObject({ id, status: 'pending', attempts: 3 });
        expect(Date.parse(body.next_attempt_at)).toBeGreaterThanOrEqual(before - 1000);
        expect(Date.parse(body.next_attempt_at)).toBeLessThanOrEqual(Date.now() + 1000);
        const stored = await storedDelivery(id);
        expect(stored).toMatchObject({ status: 'pending', attempts: 3, locked_until: null });
        expect(stored.next_attempt_at).toBeInstanceOf(Date);
      }
    });

    it('keeps a lease that is still running, so no second process sends the delivery meanwhile', async () => {
      const { id: subscriptionId } = await createSubscription();
      const leasedUntil = new Date(Date.now() + 60_000);
      const id = await insertDelivery(subscriptionId, { status: 'failed', locked_until: leasedUntil.toISOString() });
      expect((await api('POST', `/deliveries/${id}/redeliver`)).body).toMatchObject({ status: 'pending' });
      expect((await storedDelivery(id)).locked_until).toEqual(leasedUntil);
    });

    it('POST /subscriptions/:id/redeliver queues the matching deliveries again and counts them', async () => {
      const { id: subscriptionId } = await createSubscription();
      const { id: otherId } = await createSubscription();
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000).toISOString();
      const oldDead = await insertDelivery(subscriptionId, { status: 'dead', created_at: twoDaysAgo });
      const newDead = await insertDelivery(subscriptionId, { status: 'dead' });
      const newFailed = await insertDelivery(subscriptionId, { status: 'failed' });
      const oldFailed = await insertDelivery(subscriptionId, { status: 'failed', created_at: twoDaysAgo });
      const succeeded = await insertDelivery(subscriptionId, { status: 'succeeded' });
      const otherDead = await insertDelivery(otherId, { status: 'dead' });

      const since = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
      expect(await api('POST', `/subscriptions/${subscriptionId}/redeliver`, { status: 'failed', since })).toEqual({
        status: 202,
        body: { redelivered: 1 },
      });
      expect(await storedDelivery(newFailed)).toMatchObject({ status: 'pending', next_attempt_at: expect.any(Date) });
      expect(await storedDelivery(oldFailed)).toMatchObject({ status: 'failed' });

      // Without a body: every dead one, of this subscription only.
      expect(await api('POST', `/subscriptions/${subscriptionId}/redeliver`)).toEqual({ status: 202, body: { redelivered: 2 } });
      for (const id of [oldDead, newDead]) {
        expect(await storedDelivery(id)).toMatchObject({ status: 'pending', next_attempt_at: expect.any(Date), attempts: 3 });
      }
      expect(await storedDelivery(succeeded)).toMatchObject({ status: 'succeeded' });
      expect(await storedDelivery(otherDead)).toMatchObject({ status: 'dead', next_attempt_at: null });
      expect(await api('POST', `/subscriptions/${subscriptionId}/redeliver`, {})).toEqual({ status: 202, body: { redelivered: 0 } });
    });

    it.each<[Json, string]>([
      [{ since: 'yesterday' }, 'since'],
      [{ since: '2026-01-01' }, 'since'],
      [{ since: 1767225600 }, 'since'],
      [{ since: null }, 'since'],
      [{ status: 'gone' }, 'status'],
      [{ status: null }, 'status'],
      [{ everything: true }, 'everything'],
    ])('bulk redeliver refuses %j naming %s', async (body, field) => {
      const { id } = await createSubscription();
      expect(await api('POST', `/subscriptions/${id}/redeliver`, body)).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', field, message: expect.stringContaining(field) },
      });
    });

    it('bulk redeliver: 404 for an unknown or malformed subscription id', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        expect((await api('POST', `/subscriptions/${id}/redeliver`, {})).status).toBe(404);
      }
    });
  });

  it('every new route is behind the admin token', async () => {
    const id = randomUUID();
    for (const [method, path] of [
      ['POST', `/subscriptions/${id}/test`],
      ['GET', `/subscriptions/${id}/deliveries`],
      ['POST', `/subscriptions/${id}/redeliver`],
      ['GET', `/deliveries/${id}`],
      ['POST', `/deliveries/${id}/redeliver`],
    ]) {
      expect({ method, path, ...(await api(method, path, method === 'POST' ? {} : undefined, null)) }).toMatchObject({
        method,
        path,
        status: 401,
        body: { error: 'unauthorized' },
      });
    }
  });
});

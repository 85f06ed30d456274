import { waitFor } from '@inbound/testing';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import {
  attemptsOf,
  deliveriesOf,
  migratedDataSource,
  newSecret,
  Receiver,
  seedSubscription,
  startDispatcher,
  writeOutboxEvent,
  type RunningDispatcher,
  type ScriptedAnswer,
} from './support/dispatcher-harness';

/** GitHub's way: `sha256=` + hex HMAC of the body with the whole secret string, compared in constant time. */
function hubSignatureValid(secret: string, body: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const presented = Buffer.from(String(header ?? ''));
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * The dispatcher in this process against the run's PostgreSQL and RabbitMQ: outbox rows written as the workers write
 * them, local receivers answering from a script, the delivery log read back.
 */
describe('event-dispatcher: from the outbox to subscribers', () => {
  let dataSource: DataSource;
  let dispatcher: RunningDispatcher;
  const receivers: Receiver[] = [];

  const receiver = async (script?: ScriptedAnswer[]) => {
    const started = await Receiver.start(script);
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    dispatcher = await startDispatcher({ DELIVERY_TIMEOUT_MS: '500', DELIVERY_CIRCUIT_FAILURES: '1000' });
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await Promise.all(receivers.map((started) => started.close()));
    await dataSource?.destroy();
  });

  it('relays an outbox row to a subscriber, signed so the Standard Webhooks verifier and a X-Hub-Signature-256 check accept it', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver();
    const { id, secret } = await seedSubscription(dataSource, { accountId, url: endpoint.url });
    const event = await writeOutboxEvent(dataSource, accountId, 'message.received');

    const [call] = await waitFor(() => endpoint.calls.length === 1 && endpoint.calls, { description: 'the delivery' });
    expect(JSON.parse(call.body)).toEqual(event);
    expect(call.headers['webhook-id']).toBe(event.id);
    expect(call.headers['x-event-type']).toBe('message.received');
    expect(call.headers['content-type']).toBe('application/json');
    expect(new Webhook(secret).verify(call.body, call.headers as Record<string, string>)).toEqual(event);
    expect(hubSignatureValid(secret, call.body, call.headers['x-hub-signature-256'])).toBe(true);
    expect(() => new Webhook(newSecret()).verify(call.body, call.headers as Record<string, string>)).toThrow();

    const [delivery] = await waitFor(async () => {
      const rows = await deliveriesOf(dataSource, id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect(delivery).toMatchObject({ event_id: event.id, attempts: 1, response_status: 200 });
    expect(await attemptsOf(dataSource, delivery.id)).toEqual([
      expect.objectContaining({ attempt: 1, response_status: 200, response_body: 'ok' }),
    ]);
    const [outbox] = await dataSource.query(`SELECT published_at, seq FROM outbox_events WHERE id = $1`, [event.id]);
    expect(outbox.published_at).not.toBeNull();
    expect(Number(outbox.seq)).toBeGreaterThan(0);
  });

  it('signs with both secrets during a rotation: receivers holding either one verify', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver();
    const previous = newSecret();
    const { secret } = await seedSubscription(dataSource, { accountId, url: endpoint.url, previousSecret: previous });
    await writeOutboxEvent(dataSource, accountId);
    const [call] = await waitFor(() => endpoint.calls.length === 1 && endpoint.calls);
    expect(String(call.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [secret, previous])
      expect(() => new Webhook(key).verify(call.body, call.headers as Record<string, string>)).not.toThrow();
  });

  it('delivers an event only to the enabled subscriptions of its account that want its type', async () => {
    const accountId = randomUUID();
    const [all, received, delivered, disabled, otherAccount] = await Promise.all([1, 2, 3, 4, 5].map(() => receiver()));
    await seedSubscription(dataSource, { accountId, url: all.url, events: ['*'] });
    await seedSubscription(dataSource, { accountId, url: received.url, events: ['message.received'] });
    await seedSubscription(dataSource, { accountId, url: delivered.url, events: ['message.delivered', 'message.read'] });
    await seedSubscription(dataSource, { accountId, url: disabled.url, enabled: false });
    await seedSubscription(dataSource, { accountId: randomUUID(), url: otherAccount.url });

    await writeOutboxEvent(dataSource, accountId, 'message.received');
    await writeOutboxEvent(dataSource, accountId, 'message.delivered');
    await writeOutboxEvent(dataSource, accountId, 'campaign.completed', { group_message_id: randomUUID() });

    await waitFor(() => all.calls.length === 3 && received.calls.length === 1 && delivered.calls.length === 1, {
      description: 'the matching deliveries',
    });
    expect(received.calls[0].headers['x-event-type']).toBe('message.received');
    expect(delivered.calls[0].headers['x-event-type']).toBe('message.delivered');
    // The dispatcher got all three events before the last deliveries above; nothing reached the others.
    expect(disabled.calls).toHaveLength(0);
    expect(otherAccount.calls).toHaveLength(0);
  });

  it('retries a failing answer on the subscription’s schedule with the same webhook-id and body, then succeeds', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver([
      { status: 500, body: 'down' },
      { status: 302, headers: { location: 'http://127.0.0.1:1/' } },
      { status: 204 },
    ]);
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url, retry: { backoff_ms: [100] } });
    await writeOutboxEvent(dataSource, accountId);

    const [delivery] = await waitFor(async () => {
      const rows = await deliveriesOf(dataSource, id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect(delivery.attempts).toBe(3);
    expect(new Set(endpoint.calls.map((call) => call.headers['webhook-id'])).size).toBe(1);
    expect(new Set(endpoint.calls.map((call) => call.body)).size).toBe(1);
    const attempts = await attemptsOf(dataSource, delivery.id);
    expect(attempts.map((attempt) => [attempt.attempt, attempt.response_status])).toEqual([
      [1, 500],
      [2, 302],
      [3, 204],
    ]);
    expect(attempts[0].response_body).toBe('down');
  });

  it('waits at least what Retry-After asks before the next attempt', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url, retry: { backoff_ms: [10] } });
    await writeOutboxEvent(dataSource, accountId);
    await waitFor(async () => (await deliveriesOf(dataSource, id))[0]?.status === 'succeeded');
    expect(endpoint.calls[1].at - endpoint.calls[0].at).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up after the last attempt: the delivery is dead, with each attempt and its error class logged', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver([{ reset: true }, { hang: true }, { status: 503 }]);
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url, retry: { max_attempts: 3, backoff_ms: [20] } });
    await writeOutboxEvent(dataSource, accountId);
    const [delivery] = await waitFor(
      async () => {
        const rows = await deliveriesOf(dataSource, id);
        return rows[0]?.status === 'dead' && rows;
      },
      { timeoutMs: 15_000 },
    );
    expect(delivery).toMatchObject({ attempts: 3, next_attempt_at: null, response_status: 503 });
    expect((await attemptsOf(dataSource, delivery.id)).map((attempt) => [attempt.response_status, attempt.error_class])).toEqual([
      [null, 'reset'],
      [null, 'timeout'],
      [503, null],
    ]);
  });

  it('disables the subscription on 410 Gone, with the reason, and attempts nothing more for it', async () => {
    const accountId = randomUUID();
    const endpoint = await receiver([{ status: 410 }]);
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url });
    await writeOutboxEvent(dataSource, accountId);
    await waitFor(async () => (await deliveriesOf(dataSource, id))[0]?.status === 'dead');
    const [subscription] = await dataSource.query(`SELECT enabled, disabled_reason FROM webhook_subscriptions WHERE id = $1`, [id]);
    expect(subscription).toEqual({ enabled: false, disabled_reason: expect.stringContaining('410 Gone') });

    await writeOutboxEvent(dataSource, accountId);
    const later = await writeOutboxEvent(dataSource, accountId);
    await waitFor(
      async () => (await dataSource.query(`SELECT published_at FROM outbox_events WHERE id = $1`, [later.id]))[0]?.published_at,
    );
    expect(await deliveriesOf(dataSource, id)).toHaveLength(1);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('refuses to connect to a metadata address even where private networks are allowed', async () => {
    const accountId = randomUUID();
    const { id } = await seedSubscription(dataSource, {
      accountId,
      url: 'http://169.254.169.254/latest/meta-data/',
      retry: { max_attempts: 1 },
    });
    await writeOutboxEvent(dataSource, accountId);
    const [delivery] = await waitFor(async () => {
      const rows = await deliveriesOf(dataSource, id);
      return rows[0]?.status === 'dead' && rows;
    });
    expect(delivery.error_class).toBe('blocked_address');
  });
});

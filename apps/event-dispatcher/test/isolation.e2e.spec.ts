import { deadLetterQueueName, OUTBOUND_QUEUE, PLATFORM_EVENTS_EXCHANGE } from '@inbound/contracts';
import { HEADER_FAILURE_REASON } from '@inbound/messaging';
import { waitFor } from '@inbound/testing';
import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  attemptsOf,
  deliveriesOf,
  migratedDataSource,
  Receiver,
  seedSubscription,
  startDispatcher,
  writeOutboxEvent,
  type RunningDispatcher,
  type ScriptedAnswer,
} from './support/dispatcher-harness';

/** One subscriber's trouble stays its own; the schedule lives in the table; the queue's bad inputs are dead-lettered. */
describe('event-dispatcher: isolation, restarts and bad input', () => {
  let dataSource: DataSource;
  let dispatcher: RunningDispatcher | undefined;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    dataSource = await migratedDataSource();
  });

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    await dispatcher?.stop();
    dispatcher = undefined;
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const receiver = async (...script: ScriptedAnswer[]) => {
    const started = await Receiver.start(script.length > 0 ? script : undefined);
    receivers.push(started);
    return started;
  };

  it('a subscriber that hangs holds only its own lane: the others are all delivered before its first attempt ends', async () => {
    dispatcher = await startDispatcher({
      DELIVERY_TIMEOUT_MS: '8000',
      DELIVERY_CONCURRENCY: '8',
      DELIVERY_SUBSCRIPTION_CONCURRENCY: '2',
    });
    const [hanging, healthy] = [await receiver({ hang: true }), await receiver()];
    const slowAccount = randomUUID();
    const fastAccount = randomUUID();
    const slow = await seedSubscription(dataSource, { accountId: slowAccount, url: hanging.url });
    await seedSubscription(dataSource, { accountId: fastAccount, url: healthy.url });
    for (let n = 0; n < 20; n++) {
      await writeOutboxEvent(dataSource, slowAccount);
      await writeOutboxEvent(dataSource, fastAccount);
    }
    await waitFor(() => healthy.calls.length === 20, { description: 'the healthy subscriber’s 20 deliveries' });
    expect(hanging.calls.length).toBeLessThanOrEqual(2);
    const slowDeliveries = await deliveriesOf(dataSource, slow.id);
    expect(slowDeliveries).toHaveLength(20);
    expect(slowDeliveries.every((delivery) => delivery.attempts === 0)).toBe(true);
  });

  it('opens the circuit of an endpoint that keeps failing, probes it alone, and resumes when it answers again', async () => {
    dispatcher = await startDispatcher({
      DELIVERY_TIMEOUT_MS: '2000',
      DELIVERY_SUBSCRIPTION_CONCURRENCY: '1',
      DELIVERY_CIRCUIT_FAILURES: '3',
      DELIVERY_CIRCUIT_OPEN_MS: '400',
    });
    const endpoint = await receiver({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 200 });
    const accountId = randomUUID();
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url, retry: { backoff_ms: [20] } });
    for (let n = 0; n < 5; n++) await writeOutboxEvent(dataSource, accountId);

    await waitFor(async () => (await deliveriesOf(dataSource, id)).filter((delivery) => delivery.status === 'succeeded').length === 5, {
      description: 'all five delivered',
    });
    const gaps = endpoint.calls.slice(1).map((call, n) => call.at - endpoint.calls[n].at);
    // Three failures open it for 400 ms; the failed probe (4th call) for 800 ms; the next probe succeeds.
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
    expect(gaps[3]).toBeGreaterThanOrEqual(800);
    expect(endpoint.calls).toHaveLength(4 + 5);
  });

  it('keeps the schedule in the table: a retry due after a restart is made by the next process', async () => {
    dispatcher = await startDispatcher({ DELIVERY_TIMEOUT_MS: '2000' });
    const endpoint = await receiver({ status: 503 }, { status: 200 });
    const accountId = randomUUID();
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url, retry: { backoff_ms: [1_000] } });
    await writeOutboxEvent(dataSource, accountId);
    await waitFor(async () => (await deliveriesOf(dataSource, id))[0]?.status === 'failed', { description: 'the first failure' });
    await dispatcher.stop();
    dispatcher = await startDispatcher({ DELIVERY_TIMEOUT_MS: '2000' });

    const [delivery] = await waitFor(async () => {
      const rows = await deliveriesOf(dataSource, id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect((await attemptsOf(dataSource, delivery.id)).map((attempt) => attempt.response_status)).toEqual([503, 200]);
    expect(endpoint.calls[1].at - endpoint.calls[0].at).toBeGreaterThanOrEqual(800);
  });

  it('records one delivery when an event is published twice (a relay that crashed before its commit)', async () => {
    dispatcher = await startDispatcher();
    const endpoint = await receiver();
    const accountId = randomUUID();
    const { id } = await seedSubscription(dataSource, { accountId, url: endpoint.url });
    const envelope = { id: randomUUID(), type: 'message.received', created_at: new Date().toISOString(), account_id: accountId, data: {} };
    const connection = await connect(process.env.RABBITMQ_URL as string);
    try {
      const channel = await connection.createConfirmChannel();
      for (let n = 0; n < 2; n++) {
        channel.publish(PLATFORM_EVENTS_EXCHANGE, envelope.type, Buffer.from(JSON.stringify(envelope)), {
          persistent: true,
          messageId: envelope.id,
        });
      }
      await channel.waitForConfirms();
      await waitFor(async () => (await channel.checkQueue(OUTBOUND_QUEUE)).messageCount === 0 && endpoint.calls.length === 1);
      await waitFor(async () => (await deliveriesOf(dataSource, id))[0]?.status === 'succeeded');
      expect(await deliveriesOf(dataSource, id)).toHaveLength(1);
      expect(endpoint.calls).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });

  it('dead-letters what is not an outbound event, with the reason, and delivers nothing for it', async () => {
    dispatcher = await startDispatcher();
    const connection = await connect(process.env.RABBITMQ_URL as string);
    try {
      const channel = await connection.createConfirmChannel();
      const dlq = deadLetterQueueName(OUTBOUND_QUEUE);
      await channel.purgeQueue(dlq);
      const garbage = [
        'not json',
        JSON.stringify({ id: 'x', type: 'message.received' }),
        JSON.stringify({ ...{ id: randomUUID() }, type: 'nope' }),
      ];
      for (const body of garbage) channel.publish(PLATFORM_EVENTS_EXCHANGE, 'message.received', Buffer.from(body), { persistent: true });
      await channel.waitForConfirms();
      await waitFor(async () => (await channel.checkQueue(dlq)).messageCount === garbage.length, { description: 'three dead letters' });
      const letter = await channel.get(dlq, { noAck: true });
      expect(String(letter && letter.properties.headers?.[HEADER_FAILURE_REASON])).toMatch(/not an outbound event envelope/);
    } finally {
      await connection.close();
    }
  });
});

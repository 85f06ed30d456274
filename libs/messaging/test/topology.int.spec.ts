import { connect, type ChannelModel, type Message } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  ConfirmedPublisher,
  deadLetterQueueName,
  declareTopology,
  decodeEvent,
  FailureRouter,
  HEADER_ATTEMPT,
  HEADER_FAILURE_REASON,
  HEADER_ORIGINAL_ROUTING_KEY,
  INBOUND_EXCHANGE,
  INBOUND_QUEUE,
  InboundMessageEvent,
  MAX_DELIVERIES,
  inboundRoutingKey,
  PublishError,
  retryQueueName,
  STATUS_EXCHANGE,
  STATUS_QUEUE,
  statusRoutingKey,
} from '../src';
import { waitFor } from '@inbound/testing';

const url = () => process.env.RABBITMQ_URL as string;
const DELAYS = [200, 400];

function inboundEvent(overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
  return {
    event_id: randomUUID(),
    channel_id: randomUUID(),
    account_id: randomUUID(),
    channel_type: 'whatsapp',
    provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
    sender_address: '16505551234',
    sender_name: 'Kerry Fisher',
    message_body: 'Hello',
    timestamp: '2024-01-01T00:00:00.000Z',
    metadata: {},
    received_at: '2024-01-01T00:00:01.000Z',
    ...overrides,
  };
}

async function getOne(connection: ChannelModel, queue: string): Promise<Message> {
  const channel = await connection.createChannel();
  try {
    return await waitFor(async () => (await channel.get(queue, { noAck: true })) || undefined, {
      description: `a message on ${queue}`,
    });
  } finally {
    await channel.close();
  }
}

describe('RabbitMQ topology and confirmed publishing (real broker)', () => {
  let connection: ChannelModel;
  let publisher: ConfirmedPublisher;

  beforeAll(async () => {
    connection = await connect(url());
    const channel = await connection.createChannel();
    await declareTopology(channel, DELAYS);
    await channel.close();
    publisher = new ConfirmedPublisher({ url: url(), confirmTimeoutMs: 3_000 });
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.close();
    await connection.close();
  });

  beforeEach(async () => {
    const channel = await connection.createChannel();
    for (const queue of [INBOUND_QUEUE, STATUS_QUEUE]) {
      await channel.purgeQueue(queue);
      await channel.purgeQueue(deadLetterQueueName(queue));
    }
    await channel.close();
  });

  it('can be declared again without error (same arguments)', async () => {
    const channel = await connection.createChannel();
    await expect(declareTopology(channel, DELAYS)).resolves.toBeUndefined();
    const queue = await channel.checkQueue(retryQueueName(STATUS_QUEUE, 400));
    expect(queue.queue).toBe('message.status.update.retry.400');
    await channel.close();
  });

  it('routes a confirmed publish to the bound queue as a persistent JSON message with message_id = event_id', async () => {
    const event = inboundEvent();
    await publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('whatsapp'), event);
    const message = await getOne(connection, INBOUND_QUEUE);
    expect(message.properties.messageId).toBe(event.event_id);
    expect(message.properties.contentType).toBe('application/json');
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.fields.routingKey).toBe('webhook.inbound.whatsapp');
    expect(JSON.parse(message.content.toString())).toEqual(event);
  });

  it('binds status routing keys of any status to message.status.update', async () => {
    const event = { event_id: randomUUID(), status: 'clicked' };
    await publisher.publish(STATUS_EXCHANGE, statusRoutingKey('clicked'), event);
    const message = await getOne(connection, STATUS_QUEUE);
    expect(message.properties.messageId).toBe(event.event_id);
  });

  it('keeps many publishes in flight and confirms all of them', async () => {
    const events = Array.from({ length: 500 }, () => inboundEvent());
    await Promise.all(events.map((event) => publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), event)));
    const channel = await connection.createChannel();
    const { messageCount } = await waitFor(async () => {
      const info = await channel.checkQueue(INBOUND_QUEUE);
      return info.messageCount === 500 ? info : undefined;
    });
    expect(messageCount).toBe(500);
    await channel.close();
  });

  it('dead-letters an invalid event with its reason', async () => {
    const invalid = { ...inboundEvent(), channel_id: 'not-a-uuid', timestamp: 'yesterday' };
    await publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('telegram'), invalid);
    const consumed = await getOne(connection, INBOUND_QUEUE);
    const verdict = decodeEvent(InboundMessageEvent, consumed.content);
    expect(verdict.ok).toBe(false);
    const router = new FailureRouter(publisher, INBOUND_QUEUE, DELAYS);
    await router.deadLetter(consumed, verdict.ok ? 'unreachable' : verdict.reason);

    const dead = await getOne(connection, deadLetterQueueName(INBOUND_QUEUE));
    const reason = String(dead.properties.headers?.[HEADER_FAILURE_REASON]);
    expect(reason).toContain('channel_id: isUuid');
    expect(reason).toContain('timestamp: isIso8601');
    expect(dead.properties.headers?.[HEADER_ORIGINAL_ROUTING_KEY]).toBe('webhook.inbound.telegram');
    expect(dead.properties.messageId).toBe(invalid.event_id);
    expect(JSON.parse(dead.content.toString())).toEqual(invalid);
  });

  it('retries through growing delays back into the queue, then dead-letters after the last attempt', async () => {
    const event = inboundEvent();
    await publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('email'), event);
    const router = new FailureRouter(publisher, INBOUND_QUEUE, DELAYS);

    let message = await getOne(connection, INBOUND_QUEUE);
    const first = await router.retry(message, 'message not found');
    expect(first).toEqual({ action: 'retried', attempt: 1, delayMs: 200 });

    message = await getOne(connection, INBOUND_QUEUE); // back after 200 ms
    expect(message.properties.headers?.[HEADER_ATTEMPT]).toBe(1);
    const second = await router.retry(message, 'message not found');
    expect(second).toEqual({ action: 'retried', attempt: 2, delayMs: 400 });

    message = await getOne(connection, INBOUND_QUEUE);
    expect(message.properties.headers?.[HEADER_ATTEMPT]).toBe(2);
    const last = await router.retry(message, 'message not found');
    expect(last.action).toBe('dead_lettered');

    const dead = await getOne(connection, deadLetterQueueName(INBOUND_QUEUE));
    expect(dead.properties.headers?.[HEADER_FAILURE_REASON]).toBe('message not found (gave up after 2 retries)');
    expect(dead.properties.messageId).toBe(event.event_id);
  });

  it('dead-letters what a consumer rejects without requeue', async () => {
    const event = inboundEvent();
    await publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('messenger'), event);
    const channel = await connection.createChannel();
    const message = await waitFor(async () => (await channel.get(INBOUND_QUEUE)) || undefined);
    channel.nack(message, false, false);
    const dead = await getOne(connection, deadLetterQueueName(INBOUND_QUEUE));
    expect(dead.properties.messageId).toBe(event.event_id);
    await channel.close();
  });

  it('dead-letters a message returned more than MAX_DELIVERIES times without being settled', async () => {
    const event = inboundEvent();
    await publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), event);
    const channel = await connection.createChannel();
    // The first delivery plus MAX_DELIVERIES returns; the last return crosses the limit.
    for (let delivery = 1; delivery <= MAX_DELIVERIES + 1; delivery++) {
      // Requeued as a crashed consumer's unacked message would be.
      const message = await waitFor(async () => (await channel.get(INBOUND_QUEUE)) || undefined, { description: `delivery ${delivery}` });
      channel.nack(message, false, true);
    }
    const dead = await getOne(connection, deadLetterQueueName(INBOUND_QUEUE));
    expect(dead.properties.messageId).toBe(event.event_id);
    expect(await channel.get(INBOUND_QUEUE)).toBe(false);
    await channel.close();
  });

  it('rejects a publish once the connection is closed, and after the publisher is closed', async () => {
    const own = new ConfirmedPublisher({ url: url(), confirmTimeoutMs: 2_000 });
    await own.connect();
    // Close the underlying connection behind the publisher's back, as a broker restart would.
    const internal = (own as unknown as { connection: ChannelModel }).connection;
    await internal.close();
    await waitFor(() => !own.isConnected, { description: 'publisher to notice the closed connection' });
    await own.close();
    await expect(own.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), inboundEvent())).rejects.toBeInstanceOf(PublishError);
  });

  it('rejects in-flight publishes when the channel dies before confirming', async () => {
    const own = new ConfirmedPublisher({ url: url(), confirmTimeoutMs: 2_000 });
    // Publishing to an exchange that does not exist makes the broker close the channel.
    const outcome = own.publish('no.such.exchange', 'x', inboundEvent());
    await expect(outcome).rejects.toMatchObject({ name: 'PublishError', reason: 'closed' });
    // The publisher recovers with a fresh connection on the next publish.
    await expect(own.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), inboundEvent())).resolves.toBeUndefined();
    await own.close();
  });

  it('gives up connecting to a broker that accepts but never answers within the confirm timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const own = new ConfirmedPublisher({ url: `amqp://guest:guest@127.0.0.1:${port}`, confirmTimeoutMs: 500 });
    const started = Date.now();
    await expect(own.publish(INBOUND_EXCHANGE, 'webhook.inbound.sms', inboundEvent())).rejects.toMatchObject({ reason: 'not_connected' });
    // Bounded by the timeout, not by the operating system's much longer one.
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('does not fail publishes in flight on a new channel when the old channel reports its close late', async () => {
    const own = new ConfirmedPublisher({ url: url(), confirmTimeoutMs: 3_000 });
    await own.connect();
    const internals = own as unknown as { connection: ChannelModel; channel: EventEmitter; pending: { size: number } };
    const oldChannel = internals.channel;
    await internals.connection.close();
    await waitFor(() => !own.isConnected, { description: 'publisher to notice the closed connection' });
    const inFlight = Array.from({ length: 50 }, () => own.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), inboundEvent()));
    // Once they wait for their confirms on the new channel, the old channel's close arrives again.
    await waitFor(() => internals.pending.size > 0, { intervalMs: 0, description: 'publishes in flight on the new channel' });
    oldChannel.emit('close');
    await expect(Promise.all(inFlight)).resolves.toHaveLength(50);
    await own.close();
  });

  it('rejects with not_connected when the broker cannot be reached', async () => {
    const own = new ConfirmedPublisher({ url: 'amqp://guest:guest@127.0.0.1:1', confirmTimeoutMs: 500 });
    await expect(own.publish(INBOUND_EXCHANGE, 'webhook.inbound.sms', inboundEvent())).rejects.toMatchObject({
      reason: 'not_connected',
    });
  });

  describe('a publish that reaches no queue', () => {
    const exchange = `spec.unbound.${randomUUID()}`;
    const queue = `spec.bound.${randomUUID()}`;

    beforeAll(async () => {
      const channel = await connection.createChannel();
      await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
      await channel.close();
    });

    afterAll(async () => {
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange);
      await channel.deleteQueue(queue);
      await channel.close();
    });

    it('is rejected as unroutable, not confirmed as if queued; routed ones in flight beside it are not', async () => {
      const own = new ConfirmedPublisher({ url: url(), confirmTimeoutMs: 3_000 });
      const unroutable = Array.from({ length: 20 }, () => own.publish(exchange, 'nowhere', inboundEvent()));
      const routed = Array.from({ length: 20 }, () => own.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), inboundEvent()));
      for (const outcome of unroutable) await expect(outcome).rejects.toMatchObject({ name: 'PublishError', reason: 'unroutable' });
      await expect(Promise.all(routed)).resolves.toHaveLength(20);
      await own.close();
    });

    it('declares the topology again after a return, so the next publish is queued', async () => {
      const own = new ConfirmedPublisher({
        url: url(),
        confirmTimeoutMs: 3_000,
        setup: async (channel) => {
          await channel.assertQueue(queue, { durable: false });
          await channel.bindQueue(queue, exchange, 'spec.#');
        },
      });
      await own.connect();
      // The queue goes away behind the publisher's back (deleted by an operator, say).
      const admin = await connection.createChannel();
      await admin.deleteQueue(queue);
      await expect(own.publish(exchange, 'spec.one', inboundEvent())).rejects.toMatchObject({ reason: 'unroutable' });
      const event = inboundEvent();
      await waitFor(async () => (await own.publish(exchange, 'spec.one', event).then(() => true, () => false)), { description: 'a queued publish after the re-declaration' });
      expect((await admin.checkQueue(queue)).messageCount).toBeGreaterThanOrEqual(1);
      await admin.close();
      await own.close();
    });
  });
});

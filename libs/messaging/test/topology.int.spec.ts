import { connect, type Channel, type ChannelModel, type Message } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { promisify } from 'node:util';
import {
  deadLetterQueueName,
  decodeEvent,
  INBOUND_EXCHANGE,
  INBOUND_QUEUE,
  InboundMessageEvent,
  inboundRoutingKey,
  retryQueueName,
  STATUS_EXCHANGE,
  STATUS_QUEUE,
  statusRoutingKey,
} from '@inbound/contracts';
import {
  ConfirmedPublisher,
  deadLetterPolicyPattern,
  deadLetterPolicyRabbitmqctlArgs,
  DEAD_LETTER_POLICY_NAME,
  declareQueueTopology,
  declareTopology,
  type DeadLetteringWarning,
  FailureRouter,
  HEADER_ATTEMPT,
  HEADER_FAILURE_REASON,
  HEADER_ORIGINAL_ROUTING_KEY,
  MAX_DELIVERIES,
  PublishError,
  type QueueTopology,
} from '../src';
import { waitFor } from '@inbound/testing';

const url = () => process.env.RABBITMQ_URL as string;
const DELAYS = [200, 400];

const run = promisify(execFile);
/** The virtual host global-setup created for this run. */
const vhost = () => decodeURIComponent(new URL(url()).pathname.slice(1));

interface QueueRow {
  name: string;
  arguments: Record<string, unknown>;
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
  policy: string;
}

/** Queue details AMQP does not give: arguments, policy, and messages held for dead-lettering. */
async function listQueues(...items: Exclude<keyof QueueRow, 'name'>[]): Promise<Map<string, Partial<QueueRow>>> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-p', vhost(), '--quiet', '--formatter', 'json', 'name', ...items]);
  // Arguments come as [name, AMQP type, value] triples.
  const rows = JSON.parse(stdout) as (Partial<QueueRow> & { arguments?: [string, string, unknown][] })[];
  return new Map(
    rows.map(({ arguments: argumentTriples, ...row }) => [
      row.name as string,
      { ...row, ...(argumentTriples && { arguments: Object.fromEntries(argumentTriples.map(([name, , value]) => [name, value])) }) },
    ]),
  );
}

/**
 * A dead-lettered message that could not be routed yet: at least once, the queue keeps it
 * (counted in messages, neither ready nor unacknowledged); at most once it is gone. The counts
 * lag the queue by a few seconds, hence the wait, and the exact state that no earlier moment has.
 */
async function waitUntilHeldForDeadLettering(queue: string): Promise<void> {
  await waitFor(
    async () => {
      const row = (await listQueues('messages', 'messages_ready', 'messages_unacknowledged')).get(queue);
      return row?.messages === 1 && row.messages_ready === 0 && row.messages_unacknowledged === 0;
    },
    { timeoutMs: 15_000, intervalMs: 1_000, description: `one message held for dead-lettering in ${queue}` },
  );
}

function scratchTopology(label: string): QueueTopology {
  const name = `spec.${label}.${randomUUID().slice(0, 8)}`;
  return { queue: name, exchange: name, binding: `${name}.#` };
}

async function deleteTopology(connection: ChannelModel, topology: QueueTopology, retryDelaysMs: readonly number[]): Promise<void> {
  const channel = await connection.createChannel();
  for (const queue of [
    topology.queue,
    deadLetterQueueName(topology.queue),
    ...retryDelaysMs.map((delay) => retryQueueName(topology.queue, delay)),
  ]) {
    await channel.deleteQueue(queue);
  }
  await channel.deleteExchange(topology.exchange);
  await channel.close();
}

/** The queues as the release before at-least-once dead-lettering declared them. */
async function declareAsPreviousRelease(channel: Channel, topology: QueueTopology, retryDelaysMs: readonly number[]): Promise<void> {
  const dlq = deadLetterQueueName(topology.queue);
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': dlq,
      'x-delivery-limit': MAX_DELIVERIES,
    },
  });
  await channel.bindQueue(topology.queue, topology.exchange, topology.binding);
  for (const delay of retryDelaysMs) {
    await channel.assertQueue(retryQueueName(topology.queue, delay), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delay,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.queue,
      },
    });
  }
}

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
    const warnings: DeadLetteringWarning[] = [];
    await expect(declareTopology(channel, DELAYS, { onWarning: (warning) => warnings.push(warning) })).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
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

  it('fails to connect, without an uncaught error, when the broker refuses a declaration of its setup', async () => {
    // The broker answers a declaration that contradicts an existing exchange by closing the channel (406): amqplib
    // emits that as 'error' on the channel and then on the connection, which must already be listened to.
    const own = new ConfirmedPublisher({
      url: url(),
      confirmTimeoutMs: 2_000,
      setup: async (channel) => {
        await channel.assertExchange(INBOUND_EXCHANGE, 'direct', { durable: true });
      },
    });
    await expect(own.connect()).rejects.toThrow(/PRECONDITION_FAILED/);
    expect(own.isConnected).toBe(false);
    await own.close();
    // The process is still here, and the publisher the rest of this file uses still works.
    await expect(publisher.publish(INBOUND_EXCHANGE, inboundRoutingKey('sms'), inboundEvent())).resolves.toBeUndefined();
  });

  it('rejects with not_connected when the broker cannot be reached', async () => {
    const own = new ConfirmedPublisher({ url: 'amqp://guest:guest@127.0.0.1:1', confirmTimeoutMs: 500 });
    await expect(own.publish(INBOUND_EXCHANGE, 'webhook.inbound.sms', inboundEvent())).rejects.toMatchObject({
      reason: 'not_connected',
    });
  });

  describe('dead-lettering at least once', () => {
    const AT_LEAST_ONCE = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };

    /** Takes the one message in the queue and rejects it without requeue, as a consumer giving up would. */
    async function rejectOne(queue: string): Promise<void> {
      const channel = await connection.createChannel();
      const message = await waitFor(async () => (await channel.get(queue)) || undefined, { description: `a message on ${queue}` });
      channel.nack(message, false, false);
      await channel.close();
    }

    it('declares the consumer queues and their retry queues with the at-least-once arguments, not the dead-letter queues', async () => {
      const queues = await listQueues('arguments');
      for (const queue of [INBOUND_QUEUE, STATUS_QUEUE]) {
        for (const name of [queue, ...DELAYS.map((delay) => retryQueueName(queue, delay))]) {
          expect({ name, ...queues.get(name)?.arguments }).toMatchObject({ name, 'x-queue-type': 'quorum', ...AT_LEAST_ONCE });
        }
        expect(queues.get(deadLetterQueueName(queue))?.arguments).toEqual({ 'x-queue-type': 'quorum' });
      }
    });

    it('dead-letters a rejected message to .dlq, and keeps it in the queue instead of dropping it while .dlq is missing', async () => {
      const topology = scratchTopology('rejected');
      const channel = await connection.createChannel();
      await declareQueueTopology(channel, topology, []);
      const dlq = deadLetterQueueName(topology.queue);
      try {
        const delivered = randomUUID();
        await publisher.publishRaw('', topology.queue, Buffer.from('{}'), { messageId: delivered });
        await rejectOne(topology.queue);
        expect((await getOne(connection, dlq)).properties.messageId).toBe(delivered);

        await channel.deleteQueue(dlq);
        await publisher.publishRaw('', topology.queue, Buffer.from('{}'), { messageId: randomUUID() });
        await rejectOne(topology.queue);
        await waitUntilHeldForDeadLettering(topology.queue);
      } finally {
        await channel.close();
        await deleteTopology(connection, topology, []);
      }
    }, 60_000);

    it('returns a message from a retry queue to the main queue after its TTL, and keeps it while the main queue is missing', async () => {
      const topology = scratchTopology('retry');
      const retryQueue = retryQueueName(topology.queue, 300);
      const channel = await connection.createChannel();
      await declareQueueTopology(channel, topology, [300]);
      try {
        const returned = randomUUID();
        await publisher.publishRaw('', retryQueue, Buffer.from('{}'), { messageId: returned });
        expect((await getOne(connection, topology.queue)).properties.messageId).toBe(returned);

        await channel.deleteQueue(topology.queue);
        await publisher.publishRaw('', retryQueue, Buffer.from('{}'), { messageId: randomUUID() });
        await waitUntilHeldForDeadLettering(retryQueue);
      } finally {
        await channel.close();
        await deleteTopology(connection, topology, [300]);
      }
    }, 60_000);

    describe('where the queues exist with the arguments of the previous release', () => {
      let topology: QueueTopology;

      beforeEach(async () => {
        topology = scratchTopology('previous');
        const channel = await connection.createChannel();
        await declareAsPreviousRelease(channel, topology, [200]);
        await channel.close();
      });

      afterEach(async () => {
        await deleteTopology(connection, topology, [200]);
      });

      it('declares without throwing, warns once per queue with the command that fixes it, and leaves the caller channel open', async () => {
        const channel = await connection.createChannel();
        let closed = false;
        channel.on('close', () => (closed = true));
        const warnings: DeadLetteringWarning[] = [];
        await expect(
          declareQueueTopology(channel, topology, [200], { onWarning: (warning) => warnings.push(warning) }),
        ).resolves.toBeUndefined();

        expect(warnings.map(({ queue }) => queue)).toEqual([topology.queue, retryQueueName(topology.queue, 200)]);
        for (const { queue, message } of warnings) {
          expect(message).toContain(`"${queue}"`);
          expect(message).toContain('rabbitmqctl set_policy');
          expect(message).toContain('npm run queues:dead-letter-policy');
        }
        // Still usable: the refused declarations went to spare channels.
        expect((await channel.checkQueue(topology.queue)).queue).toBe(topology.queue);
        expect(closed).toBe(false);
        // The binding is still made, so the queue keeps receiving.
        await publisher.publishRaw(topology.exchange, `${topology.queue}.x`, Buffer.from('{}'), { messageId: randomUUID() });
        await getOne(connection, topology.queue);
        await channel.close();
      });

      it('lets a ConfirmedPublisher set up on its confirm channel, connect and publish', async () => {
        const warnings: DeadLetteringWarning[] = [];
        const own = new ConfirmedPublisher({
          url: url(),
          confirmTimeoutMs: 5_000,
          setup: (channel) => declareQueueTopology(channel, topology, [200], { onWarning: (warning) => warnings.push(warning) }),
        });
        await own.connect();
        await expect(own.publishRaw('', topology.queue, Buffer.from('{}'), { messageId: randomUUID() })).resolves.toBeUndefined();
        expect(warnings.map(({ queue }) => queue)).toEqual([topology.queue, retryQueueName(topology.queue, 200)]);
        await own.close();
      });

      it('is switched in place by the policy: dead-letters to .dlq, and keeps a message while .dlq is missing', async () => {
        await run('rabbitmqctl', deadLetterPolicyRabbitmqctlArgs(vhost(), deadLetterPolicyPattern([topology.queue])));
        try {
          const queues = await listQueues('arguments', 'policy');
          for (const name of [topology.queue, retryQueueName(topology.queue, 200)]) {
            expect(queues.get(name)?.arguments).not.toHaveProperty('x-dead-letter-strategy');
            expect(queues.get(name)?.policy).toBe(DEAD_LETTER_POLICY_NAME);
          }
          expect(queues.get(deadLetterQueueName(topology.queue))?.policy).toBe('');

          const dlq = deadLetterQueueName(topology.queue);
          const delivered = randomUUID();
          await publisher.publishRaw('', topology.queue, Buffer.from('{}'), { messageId: delivered });
          await rejectOne(topology.queue);
          expect((await getOne(connection, dlq)).properties.messageId).toBe(delivered);

          const channel = await connection.createChannel();
          await channel.deleteQueue(dlq);
          await channel.close();
          await publisher.publishRaw('', topology.queue, Buffer.from('{}'), { messageId: randomUUID() });
          await rejectOne(topology.queue);
          await waitUntilHeldForDeadLettering(topology.queue);
        } finally {
          await run('rabbitmqctl', ['clear_policy', '-p', vhost(), DEAD_LETTER_POLICY_NAME]);
        }
      }, 60_000);
    });

    it('still fails, without closing the caller channel, on a queue that differs in another argument', async () => {
      const topology = scratchTopology('different');
      const admin = await connection.createChannel();
      await admin.assertQueue(topology.queue, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'elsewhere', ...AT_LEAST_ONCE },
      });
      await admin.close();
      const channel = await connection.createChannel();
      let closed = false;
      channel.on('close', () => (closed = true));
      // Were the refusal sent on this channel, its error event must not take the connection down.
      channel.on('error', () => undefined);
      try {
        await expect(declareQueueTopology(channel, topology, [])).rejects.toMatchObject({
          code: 406,
          message: expect.stringContaining('x-dead-letter-routing-key'),
        });
        expect(closed).toBe(false);
        await channel.checkQueue(topology.queue);
      } finally {
        if (!closed) await channel.close();
        await deleteTopology(connection, topology, []);
      }
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
      await waitFor(
        async () =>
          await own.publish(exchange, 'spec.one', event).then(
            () => true,
            () => false,
          ),
        { description: 'a queued publish after the re-declaration' },
      );
      expect((await admin.checkQueue(queue)).messageCount).toBeGreaterThanOrEqual(1);
      await admin.close();
      await own.close();
    });
  });
});

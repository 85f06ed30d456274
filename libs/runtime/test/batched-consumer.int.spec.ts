import { waitFor } from '@inbound/testing';
import { connect as connectManaged, type AmqpConnectionManager } from 'amqp-connection-manager';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { BatchedConsumer, DatabaseUnavailableError, type ConsumerState, type Settlement } from '../src';

const run = promisify(execFile);
const url = () => process.env.RABBITMQ_URL as string;
const vhost = () => decodeURIComponent(new URL(url()).pathname.slice(1));
const quiet = process.env.DEBUG_CONSUMER
  ? { log: console.log, warn: console.warn, error: console.error }
  : { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A quorum queue of the test's own, with a dead-letter queue, as the workers' queues are. */
async function declareQueue(channel: Channel, queue: string): Promise<void> {
  await channel.assertQueue(`${queue}.dlq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue(queue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dlq` },
  });
}

describe('BatchedConsumer (real RabbitMQ)', () => {
  let admin: ChannelModel;
  let adminChannel: Channel;
  let managed: AmqpConnectionManager;
  let consumer: BatchedConsumer | undefined;
  let queue: string;

  const publish = (count: number, prefix = 'm') => {
    for (let i = 0; i < count; i += 1) adminChannel.sendToQueue(queue, Buffer.from(`${prefix}${i}`), { persistent: true });
  };
  const depth = async (name = queue) => {
    const { messageCount } = await adminChannel.checkQueue(name);
    return messageCount;
  };
  /** Ready plus unacked, as the broker counts them. */
  const stored = async (name = queue) => {
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', '-p', vhost(), 'name', 'messages', '--no-table-headers']);
    const line = stdout.split('\n').find((row) => row.split('\t')[0] === name);
    return Number(line?.split('\t')[1] ?? NaN);
  };

  /** The test's own connection; a test that closes every connection of the vhost opens it again. */
  const openAdmin = async () => {
    admin = await connect(url());
    admin.on('error', () => undefined);
    adminChannel = await admin.createChannel();
    adminChannel.on('error', () => undefined);
  };

  beforeAll(openAdmin);

  afterAll(async () => {
    await admin.close().catch(() => undefined);
  });

  beforeEach(async () => {
    queue = `consumer-test-${randomUUID()}`;
    await declareQueue(adminChannel, queue);
    managed = connectManaged([url()], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 0.2 });
    await managed.connect({ timeout: 10_000 });
  });

  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await managed.close();
  });

  function start(options: {
    handle: (messages: readonly ConsumeMessage[]) => Promise<Settlement[]>;
    databaseReachable?: () => Promise<boolean>;
    release?: (message: ConsumeMessage) => Promise<void>;
    holdLimitMs?: number;
    prefetchCount?: number;
    states?: ConsumerState[];
  }): Promise<void> {
    consumer = new BatchedConsumer(managed, {
      queue,
      prefetchCount: options.prefetchCount ?? 50,
      maxBatchSize: 25,
      maxConcurrentBatches: 2,
      handle: options.handle,
      databaseReachable: options.databaseReachable ?? (async () => true),
      declare: (channel) => declareQueue(channel, queue),
      release: options.release ?? (async () => undefined),
      holdLimitMs: options.holdLimitMs,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      logger: quiet,
      onStateChange: (state) => options.states?.push(state),
    });
    return consumer.start();
  }

  it('hands messages over in batches and acks each once its handler settled it; rejected ones are dead-lettered', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    publish(200);
    await start({
      handle: async (messages) => {
        sizes.push(messages.length);
        seen.push(...messages.map((m) => m.content.toString()));
        return messages.map((m) => (m.content.toString() === 'm7' ? 'reject' : 'ack'));
      },
    });
    await waitFor(async () => seen.length >= 200 && (await stored()) === 0, { description: 'every message settled' });
    expect(new Set(seen).size).toBe(200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    expect(sizes.some((size) => size > 1)).toBe(true);
    await waitFor(async () => (await depth(`${queue}.dlq`)) === 1, { description: 'the rejected message in the dead-letter queue' });
    expect(consumer?.isConsuming).toBe(true);
  });

  it('pauses while the database is away: holds what it has unacked, takes no more than its window, spends nothing, then resumes', async () => {
    let databaseUp = false;
    const applied: string[] = [];
    const states: ConsumerState[] = [];
    let attempts = 0;
    publish(10);
    await start({
      prefetchCount: 30,
      states,
      databaseReachable: async () => databaseUp,
      handle: async (messages) => {
        attempts += 1;
        if (!databaseUp) throw new DatabaseUnavailableError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        applied.push(...messages.map((m) => m.content.toString()));
        return messages.map((): Settlement => 'ack');
      },
    });
    await waitFor(() => consumer?.state === 'paused', { description: 'paused' });
    publish(100, 'later');
    // The window fills with held deliveries, and no more leave the queue.
    await waitFor(() => consumer?.heldCount === 30, { description: 'the prefetch window held' });
    await new Promise((resolve) => setTimeout(resolve, 600)); // several probes
    expect(consumer?.isConsuming).toBe(false);
    expect(consumer?.heldCount).toBe(30);
    expect(await depth()).toBe(80);
    expect(await depth(`${queue}.dlq`)).toBe(0);
    expect(attempts).toBeLessThanOrEqual(2); // the batches that failed, not one per probe

    databaseUp = true;
    await waitFor(async () => applied.length >= 110 && (await stored()) === 0, { description: 'everything applied after the pause' });
    expect(new Set(applied).size).toBe(110);
    expect(states).toEqual(['consuming', 'paused', 'consuming']);
    expect(consumer?.state).toBe('consuming');
  });

  it('releases held deliveries back to the queue after the hold limit, acking each once its copy is confirmed', async () => {
    let databaseUp = false;
    const released: string[] = [];
    const applied: string[] = [];
    publish(5);
    await start({
      holdLimitMs: 200,
      databaseReachable: async () => databaseUp,
      release: async (message) => {
        released.push(message.content.toString());
        adminChannel.sendToQueue(queue, message.content, { persistent: true });
      },
      handle: async (messages) => {
        if (!databaseUp) throw new DatabaseUnavailableError(new Error('Connection terminated unexpectedly'));
        applied.push(...messages.map((m) => m.content.toString()));
        return messages.map((): Settlement => 'ack');
      },
    });
    // The copies come back into the window and are held and released again while it lasts.
    await waitFor(() => released.length >= 10, { description: 'the held deliveries released, twice' });
    expect(await depth(`${queue}.dlq`)).toBe(0);

    databaseUp = true;
    await waitFor(async () => applied.length >= 5 && (await depth()) === 0 && consumer?.heldCount === 0, {
      description: 'the copies applied',
    });
    expect([...new Set(applied)].sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(applied).toHaveLength(5);
  });

  it('subscribes again when the broker cancels the consumer (queue deleted), putting the queue back', async () => {
    const seen: string[] = [];
    await start({
      handle: async (messages) => {
        seen.push(...messages.map((m) => m.content.toString()));
        return messages.map((): Settlement => 'ack');
      },
    });
    publish(3, 'before');
    await waitFor(() => seen.length === 3, { description: 'first messages' });

    await adminChannel.deleteQueue(queue);
    await waitFor(() => consumer?.state === 'resubscribing', { description: 'the cancel seen' });
    await waitFor(async () => consumer?.state === 'consuming' && (await stored()) === 0, {
      description: 'queue declared again and consumed',
    });
    publish(3, 'after');
    await waitFor(() => seen.filter((m) => m.startsWith('after')).length === 3, { description: 'messages after the cancel' });
  });

  it('follows the connection when the broker closes it, without a restart', async () => {
    const seen: string[] = [];
    await start({
      handle: async (messages) => {
        seen.push(...messages.map((m) => m.content.toString()));
        return messages.map((): Settlement => 'ack');
      },
    });
    await run('rabbitmqctl', ['-q', 'close_all_connections', '-p', vhost(), 'test closes every connection']);
    await waitFor(() => consumer?.state === 'resubscribing', { description: 'the loss seen' });
    await openAdmin();
    await waitFor(() => consumer?.state === 'consuming' && managed.isConnected(), { description: 'consuming again', timeoutMs: 15_000 });
    publish(4, 'after-close');
    await waitFor(() => seen.filter((m) => m.startsWith('after-close')).length === 4, {
      description: 'messages after the reconnect',
      timeoutMs: 15_000,
    });
  });

  it('on stop, finishes the batches in hand and acks them before closing: none comes back, none is lost', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    let batches = 0;
    publish(10, 'a');
    await start({
      prefetchCount: 20,
      handle: async (messages) => {
        batches += 1;
        await gate;
        handled.push(...messages.map((m) => m.content.toString()));
        return messages.map((): Settlement => 'ack');
      },
    });
    // A batch takes everything waiting, so twenty messages that arrive together can make one batch: the second half is
    // published only once the first batch is held, and becomes the second.
    await waitFor(() => batches === 1, { description: 'the first batch slot busy' });
    publish(10, 'b');
    await waitFor(() => batches === 2, { description: 'both batch slots busy' });
    const stopped = (consumer as BatchedConsumer).stop();
    release();
    await stopped;
    expect(consumer?.state).toBe('stopped');
    expect(handled.length).toBeGreaterThan(0);

    // What was not handled went back to the queue; nothing handled (so acked) is there again.
    const left: string[] = [];
    for (let message = await adminChannel.get(queue, { noAck: true }); message; message = await adminChannel.get(queue, { noAck: true })) {
      left.push(message.content.toString());
    }
    expect(left.filter((id) => handled.includes(id))).toEqual([]);
    expect(new Set([...handled, ...left]).size).toBe(20);
  });
});

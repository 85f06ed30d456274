import { deadLetterQueueName, STATUS_QUEUE } from '@inbound/contracts';
import { ConfirmedPublisher, declareTopology, HEADER_ATTEMPT } from '@inbound/messaging';
import { waitFor } from '@inbound/testing';
import { connect, type ChannelModel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { replayDeadLetters } from './replay-dead-letters';

describe('replayDeadLetters (real RabbitMQ)', () => {
  const url = () => process.env.RABBITMQ_URL as string;
  let connection: ChannelModel;

  beforeAll(async () => {
    connection = await connect(url());
    const channel = await connection.createChannel();
    await declareTopology(channel, [1_000]);
    await channel.close();
  });

  afterAll(() => connection.close());

  it('moves dead letters back to their queue, confirmed, with a fresh retry count', async () => {
    const publisher = new ConfirmedPublisher({ url: url() });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) {
      await publisher.publishRaw('', deadLetterQueueName(STATUS_QUEUE), Buffer.from(JSON.stringify({ event_id: id })), {
        messageId: id,
        headers: { [HEADER_ATTEMPT]: 9, 'x-failure-reason': 'message not found (gave up after 9 retries)' },
      });
    }
    await publisher.close();

    expect(await replayDeadLetters(url(), STATUS_QUEUE, 2)).toBe(2);
    expect(await replayDeadLetters(url(), STATUS_QUEUE)).toBe(1);

    const channel = await connection.createChannel();
    const replayed = [];
    for (let i = 0; i < 3; i++) replayed.push(await waitFor(async () => (await channel.get(STATUS_QUEUE, { noAck: true })) || undefined));
    expect(replayed.map((m) => m.properties.messageId).sort()).toEqual([...ids].sort());
    for (const message of replayed) {
      expect(message.properties.headers?.[HEADER_ATTEMPT]).toBeUndefined();
      expect(message.properties.headers?.['x-replayed-after']).toBe('message not found (gave up after 9 retries)');
      expect(message.properties.deliveryMode).toBe(2);
    }
    expect(await channel.get(deadLetterQueueName(STATUS_QUEUE))).toBe(false);
    await channel.close();
  });

  it('makes one pass over what was dead-lettered when it started, even when every event fails again at once', async () => {
    const ids = [randomUUID(), randomUUID()];
    const publisher = new ConfirmedPublisher({ url: url() });
    for (const id of ids)
      await publisher.publishRaw('', deadLetterQueueName(STATUS_QUEUE), Buffer.from(JSON.stringify({ event_id: id })), { messageId: id });
    // A worker that dead-letters each event again as soon as it arrives.
    const channel = await connection.createChannel();
    const { consumerTag } = await channel.consume(STATUS_QUEUE, (message) => {
      if (!message) return;
      void publisher
        .publishRaw('', deadLetterQueueName(STATUS_QUEUE), message.content, { messageId: message.properties.messageId as string })
        .then(() => channel.ack(message));
    });
    const timedOut = new Promise<string>((resolve) => setTimeout(() => resolve('still replaying after 10 s'), 10_000));
    await expect(Promise.race([replayDeadLetters(url(), STATUS_QUEUE), timedOut])).resolves.toBe(2);
    await channel.cancel(consumerTag);
    await waitFor(async () => (await channel.checkQueue(deadLetterQueueName(STATUS_QUEUE))).messageCount === 2, {
      description: 'both back in the DLQ',
    });
    await channel.purgeQueue(deadLetterQueueName(STATUS_QUEUE));
    await channel.close();
    await publisher.close();
  });

  it('refuses a queue that is not one of ours', async () => {
    await expect(replayDeadLetters(url(), 'some.other.queue')).rejects.toThrow('queue must be one of');
  });
});

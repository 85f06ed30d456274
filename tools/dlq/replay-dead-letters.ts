/**
 * Moves dead-lettered events back into their queue for another try, e.g. after a database
 * outage outlasted the retry window or a fixed bug. Each message is republished (confirmed)
 * before it is removed from the dead-letter queue, so none is lost in between; the retry
 * count starts again, the last failure reason is kept as `x-replayed-after`. One pass: only
 * the messages in the queue when it starts are moved, so an event that fails again at once and
 * comes back behind them is left for the next run instead of looping forever.
 *
 *   RABBITMQ_URL=… npm run dlq:replay -- message.status.update [max]
 */
import { deadLetterQueueName, INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { ConfirmedPublisher, HEADER_ATTEMPT, HEADER_FAILURE_REASON } from '@inbound/messaging';
import { EnvReader, readCommonConfig } from '@inbound/runtime';
import { connect } from 'amqplib';

export const REPLAYABLE_QUEUES = [INBOUND_QUEUE, STATUS_QUEUE] as const;

export async function replayDeadLetters(rabbitmqUrl: string, queue: string, max = Number.POSITIVE_INFINITY): Promise<number> {
  if (!(REPLAYABLE_QUEUES as readonly string[]).includes(queue)) throw new Error(`queue must be one of ${REPLAYABLE_QUEUES.join(', ')}`);
  const connection = await connect(rabbitmqUrl);
  // The broker's refusal (a dead-letter queue not declared yet) or a lost connection reaches the awaited call as its
  // rejection; the 'error' amqplib also emits must find a listener, or it ends the tool before the clean-up.
  connection.on('error', () => undefined);
  const publisher = new ConfirmedPublisher({ url: rabbitmqUrl });
  let replayed = 0;
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const { messageCount } = await channel.checkQueue(deadLetterQueueName(queue));
    const limit = Math.min(max, messageCount);
    while (replayed < limit) {
      const message = await channel.get(deadLetterQueueName(queue), { noAck: false });
      if (!message) break;
      const {
        [HEADER_ATTEMPT]: _attempt,
        [HEADER_FAILURE_REASON]: reason,
        'x-death': _death,
        ...headers
      } = message.properties.headers ?? {};
      await publisher.publishRaw('', queue, message.content, {
        messageId: message.properties.messageId as string | undefined,
        contentType: (message.properties.contentType as string | undefined) ?? 'application/json',
        headers: { ...headers, ...(reason === undefined ? {} : { 'x-replayed-after': reason }) },
      });
      channel.ack(message);
      replayed += 1;
    }
    await channel.close();
  } finally {
    await publisher.close();
    await connection.close();
  }
  return replayed;
}

if (require.main === module) {
  const [queue, max] = process.argv.slice(2);
  const { rabbitmqUrl } = readCommonConfig(new EnvReader(process.env));
  replayDeadLetters(rabbitmqUrl, queue ?? '', max === undefined ? undefined : Number(max)).then(
    (count) => {
      process.stdout.write(`${count} messages moved from ${deadLetterQueueName(queue)} back to ${queue}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}

import type { Message } from 'amqplib';
import type { ConfirmedPublisher } from '../publisher/confirmed-publisher';
import { deadLetterQueueName, retryQueueName } from '@inbound/contracts';
import {
  HEADER_ATTEMPT,
  HEADER_FAILURE_REASON,
  HEADER_FIRST_FAILED_AT,
  HEADER_ORIGINAL_EXCHANGE,
  HEADER_ORIGINAL_ROUTING_KEY,
} from '../topology/failure-headers';

export type FailureOutcome = { action: 'retried'; attempt: number; delayMs: number } | { action: 'dead_lettered'; reason: string };

export function attemptOf(message: Message): number {
  const value = message.properties.headers?.[HEADER_ATTEMPT];
  const attempt = typeof value === 'number' ? value : Number.parseInt(String(value ?? '0'), 10);
  return Number.isInteger(attempt) && attempt >= 0 ? attempt : 0;
}

/** Moves a message that failed to a retry queue or the dead-letter queue; ack the original only once this resolves. */
export class FailureRouter {
  constructor(
    private readonly publisher: ConfirmedPublisher,
    private readonly queue: string,
    private readonly retryDelaysMs: readonly number[],
  ) {}

  get maxAttempts(): number {
    return this.retryDelaysMs.length;
  }

  /** A failure that may pass later (e.g. the message row is not committed yet). */
  async retry(message: Message, reason: string): Promise<FailureOutcome> {
    const attempt = attemptOf(message);
    if (attempt >= this.retryDelaysMs.length) {
      return this.deadLetter(message, `${reason} (gave up after ${attempt} retries)`);
    }
    const delayMs = this.retryDelaysMs[attempt];
    await this.publisher.publishRaw('', retryQueueName(this.queue, delayMs), message.content, {
      ...this.carriedProperties(message),
      headers: this.headers(message, reason, attempt + 1),
    });
    return { action: 'retried', attempt: attempt + 1, delayMs };
  }

  /** A failure that will never pass (invalid event, or retries exhausted). */
  async deadLetter(message: Message, reason: string): Promise<FailureOutcome> {
    await this.publisher.publishRaw('', deadLetterQueueName(this.queue), message.content, {
      ...this.carriedProperties(message),
      headers: this.headers(message, reason, attemptOf(message)),
    });
    return { action: 'dead_lettered', reason };
  }

  /** Republishes to the tail of its own queue, attempts unchanged: for deliveries held through an outage. */
  async requeue(message: Message): Promise<void> {
    const { 'x-death': _death, 'x-delivery-count': _deliveries, ...headers } = message.properties.headers ?? {};
    await this.publisher.publishRaw('', this.queue, message.content, { ...this.carriedProperties(message), headers });
  }

  private carriedProperties(message: Message) {
    const { messageId, contentType, timestamp, correlationId } = message.properties;
    return {
      messageId: messageId as string | undefined,
      contentType: (contentType as string | undefined) ?? 'application/json',
      timestamp: timestamp as number | undefined,
      correlationId: correlationId as string | undefined,
      persistent: true,
    };
  }

  private headers(message: Message, reason: string, attempt: number): Record<string, unknown> {
    const previous = message.properties.headers ?? {};
    // x-death is the broker's own bookkeeping for the TTL hops; we keep our own headers.
    const { 'x-death': _death, ...kept } = previous;
    return {
      ...kept,
      [HEADER_ATTEMPT]: attempt,
      [HEADER_FAILURE_REASON]: reason.slice(0, 1024),
      [HEADER_ORIGINAL_EXCHANGE]: previous[HEADER_ORIGINAL_EXCHANGE] ?? message.fields.exchange,
      [HEADER_ORIGINAL_ROUTING_KEY]: previous[HEADER_ORIGINAL_ROUTING_KEY] ?? message.fields.routingKey,
      [HEADER_FIRST_FAILED_AT]: previous[HEADER_FIRST_FAILED_AT] ?? new Date().toISOString(),
    };
  }
}

import type { InboundMessageEvent } from '@inbound/contracts';
import type { FailureRouter } from '@inbound/messaging';
import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError, type WorkerConsumer } from '@inbound/runtime';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import type { ContactResolver } from '../contacts/contact-resolver';
import { contactKey } from '../contacts/contact-resolver';
import { InboundWorkerMetrics } from '../metrics/inbound-worker.metrics';
import type { InboundMessageRow } from '../persistence/inbound-message-row';
import type { InboundMessageWriter } from '../persistence/inbound-message.writer';
import { InboundBatchProcessor } from './inbound-batch.processor';

const ACCOUNT = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const CHANNEL = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

function event(overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
  return {
    event_id: randomUUID(),
    channel_id: CHANNEL,
    account_id: ACCOUNT,
    channel_type: 'sms',
    provider_message_id: `SM${randomUUID().replace(/-/g, '')}`,
    sender_address: '+14155550123',
    message_body: 'hi',
    timestamp: '2025-11-20T10:00:00.000Z',
    metadata: {},
    received_at: '2025-11-20T10:00:00.100Z',
    ...overrides,
  };
}

function delivery(body: unknown): ConsumeMessage {
  const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const messageId = typeof body === 'object' && body !== null ? (body as { event_id?: string }).event_id : undefined;
  return {
    content,
    fields: { routingKey: 'webhook.inbound.sms', exchange: 'webhook.inbound' },
    properties: { messageId, headers: {} },
  } as unknown as ConsumeMessage;
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('InboundBatchProcessor', () => {
  let registry: Registry;
  let metrics: InboundWorkerMetrics;
  let inserts: InboundMessageRow[][];
  let insert: (rows: InboundMessageRow[]) => Promise<number>;
  let failures: { deadLetter: jest.Mock; retry: jest.Mock };
  let contacts: ContactResolver | null;
  let databaseAnswers: boolean;

  beforeAll(() => Logger.overrideLogger(false)); // the warnings are the expected ones

  beforeEach(() => {
    registry = new Registry();
    metrics = new InboundWorkerMetrics(registry);
    inserts = [];
    insert = async (rows) => rows.length;
    failures = {
      deadLetter: jest.fn(async (_message: ConsumeMessage, reason: string) => ({ action: 'dead_lettered', reason })),
      retry: jest.fn(async () => ({ action: 'retried', attempt: 1, delayMs: 2_000 })),
    };
    contacts = null;
    databaseAnswers = true;
  });

  const processor = () => {
    const writer = {
      insert: (rows: InboundMessageRow[]) => {
        inserts.push(rows);
        return insert(rows);
      },
    } as unknown as InboundMessageWriter;
    const consumer = { databaseReachable: async () => databaseAnswers } as unknown as WorkerConsumer;
    return new InboundBatchProcessor(writer, failures as unknown as FailureRouter, metrics, contacts, consumer);
  };

  const count = async (name: string, labels: Record<string, string> = {}) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
      .reduce((sum, value) => sum + value.value, 0);
  const providerIdsOf = (rows: InboundMessageRow[]) => rows.map((row) => row.provider_message_id);

  it('inserts a batch in one write and acks every message; duplicates are counted apart', async () => {
    const events = [event(), event(), event()];
    insert = async () => 2;
    const settlements = await processor().process(events.map(delivery));

    expect(settlements).toEqual(['ack', 'ack', 'ack']);
    expect(inserts.map(providerIdsOf)).toEqual([events.map((e) => e.provider_message_id)]);
    expect(await count('worker_events_applied_total')).toBe(2);
    expect(await count('worker_events_duplicate_total')).toBe(1);
    expect(await registry.getSingleMetricAsString('worker_batch_size')).toContain('worker_batch_size_sum 3');
  });

  it('dead-letters invalid events with their reason and stores the others', async () => {
    const good = event();
    const settlements = await processor().process([delivery('not json'), delivery(good), delivery({ ...event(), channel_id: 'nope' })]);

    expect(settlements).toEqual(['ack', 'ack', 'ack']);
    expect(failures.deadLetter.mock.calls.map(([, reason]) => reason)).toEqual([
      'body is not valid JSON',
      'invalid event: channel_id: isUuid',
    ]);
    expect(inserts.map(providerIdsOf)).toEqual([[good.provider_message_id]]);
    expect(await count('worker_events_dead_lettered_total', { reason: 'invalid' })).toBe(2);
  });

  it('on a failed batch inserts one by one: the event the database refuses is dead-lettered alone', async () => {
    const events = [event(), event(), event()];
    const poison = events[1].provider_message_id;
    insert = async (rows) => {
      if (rows.some((row) => row.provider_message_id === poison))
        throw pgError('23503', 'violates foreign key constraint "fk_messages_channel"');
      return rows.length;
    };
    const settlements = await processor().process(events.map(delivery));

    expect(settlements).toEqual(['ack', 'ack', 'ack']);
    expect(inserts.map(providerIdsOf)).toEqual([
      events.map((e) => e.provider_message_id),
      [events[0].provider_message_id],
      [poison],
      [events[2].provider_message_id],
    ]);
    expect(failures.deadLetter).toHaveBeenCalledTimes(1);
    expect(await count('worker_events_dead_lettered_total', { reason: 'database_refused' })).toBe(1);
    expect(failures.deadLetter.mock.calls[0][0].properties.messageId).toBe(events[1].event_id);
    expect(failures.deadLetter.mock.calls[0][1]).toBe(
      'database refused the event: 23503 violates foreign key constraint "fk_messages_channel"',
    );
    expect(await count('worker_events_applied_total')).toBe(2);
  });

  it('holds the whole batch (throws DatabaseUnavailableError) when the database does not answer, spending no retry', async () => {
    const events = [event(), event()];
    insert = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    };
    databaseAnswers = false;

    await expect(processor().process([delivery('not json'), ...events.map(delivery)])).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(inserts).toHaveLength(1); // no one-by-one pass against a database that is away
    expect(failures.retry).not.toHaveBeenCalled();
    // The invalid one is dead-lettered when the batch runs again, not now (it would be twice).
    expect(failures.deadLetter).not.toHaveBeenCalled();
  });

  it('holds the batch when the database goes away during the one-by-one pass', async () => {
    const events = [event(), event(), event()];
    let calls = 0;
    insert = async (rows) => {
      calls += 1;
      if (calls === 1) throw pgError('23503', 'violates foreign key constraint "fk_messages_channel"');
      if (calls === 3) {
        databaseAnswers = false;
        throw pgError('57P01', 'terminating connection due to administrator command');
      }
      return rows.length;
    };
    await expect(processor().process(events.map(delivery))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(inserts).toHaveLength(3);
    expect(failures.retry).not.toHaveBeenCalled();
  });

  it('when the database fails yet answers a probe, sends that event and the rest of the batch to retry without trying them', async () => {
    const events = [event(), event(), event(), event()];
    let calls = 0;
    insert = async (rows) => {
      calls += 1;
      if (calls === 1 || calls === 3) throw pgError('57P01', 'terminating connection due to administrator command');
      return rows.length;
    };
    const settlements = await processor().process(events.map(delivery));

    expect(settlements).toEqual(['ack', 'ack', 'ack', 'ack']);
    expect(inserts).toHaveLength(3); // the batch, the first alone (stored), the second alone (fails)
    expect(failures.retry.mock.calls.map(([message]) => message.properties.messageId)).toEqual(events.slice(1).map((e) => e.event_id));
    expect(failures.retry.mock.calls[0][1]).toBe('database unavailable: 57P01 terminating connection due to administrator command');
    expect(await count('worker_events_retried_total', { reason: 'database_unavailable' })).toBe(3);
    expect(await count('worker_events_applied_total')).toBe(1);
  });

  it('does not insert a lone event twice: its batch failure is its own', async () => {
    insert = async () => {
      throw pgError('22P05', 'unsupported Unicode escape sequence');
    };
    expect(await processor().process([delivery(event())])).toEqual(['ack']);
    expect(inserts).toHaveLength(1);
    expect(failures.deadLetter).toHaveBeenCalledTimes(1);
  });

  it('counts a retry that the router turned into a dead letter (retries exhausted) as dead-lettered', async () => {
    insert = async () => {
      throw pgError('53300', 'too many connections');
    };
    failures.retry.mockImplementation(async () => ({ action: 'dead_lettered', reason: 'x (gave up after 9 retries)' }));
    expect(await processor().process([delivery(event())])).toEqual(['ack']);
    expect(await count('worker_events_dead_lettered_total', { reason: 'database_unavailable' })).toBe(1);
    expect(await count('worker_events_retried_total')).toBe(0);
  });

  it('rejects a message it could not move to the retry or dead-letter queue, so the broker dead-letters it', async () => {
    failures.deadLetter.mockRejectedValue(new Error('publish not confirmed: channel closed'));
    expect(await processor().process([delivery('{'), delivery(event())])).toEqual(['reject', 'ack']);
  });

  it('writes the contact the resolver found, and no contact when it has none or fails', async () => {
    const known = event({ sender_address: 'known' });
    const unknown = event({ sender_address: 'unknown' });
    const resolve = jest.fn(
      async () => new Map([[contactKey({ account_id: ACCOUNT, address: 'known' }), '7c6b5a4f-3e2d-4c1b-8a9f-0e1d2c3b4a5f']]),
    );
    contacts = { resolve, close: () => undefined } as unknown as ContactResolver;
    await processor().process([delivery(known), delivery(unknown)]);

    expect(resolve).toHaveBeenCalledWith([
      { account_id: ACCOUNT, address: 'known' },
      { account_id: ACCOUNT, address: 'unknown' },
    ]);
    expect(inserts[0].map((row) => [row.delivery_address, row.contact_id])).toEqual([
      ['known', '7c6b5a4f-3e2d-4c1b-8a9f-0e1d2c3b4a5f'],
      ['unknown', null],
    ]);

    resolve.mockRejectedValue(new Error('unexpected'));
    inserts = [];
    expect(await processor().process([delivery(event({ sender_address: 'known' }))])).toEqual(['ack']);
    expect(inserts[0][0].contact_id).toBeNull();
  });
});

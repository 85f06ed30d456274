import { types } from 'pg';
import { lockMessagesStatement, readTimestamptz } from './status-batch.sql';
import type { StatusUpdate } from './status-batch.types';

const pgTimestamptz = types.getTypeParser(1184, 'text') as (value: string) => Date | number;

describe('readTimestamptz', () => {
  // Forms PostgreSQL writes for timestamptz: the UTC ones take the direct path, the rest node-postgres's parser.
  const samples = [
    '2026-03-01 10:00:01+00',
    '2026-03-01 10:00:01.1+00',
    '2026-03-01 10:00:01.12+00',
    '2026-03-01 10:00:01.123+00',
    '2026-03-01 10:00:01.123456+00',
    '2026-03-01 10:00:01.999999+00',
    '2024-02-29 23:59:59.5+00',
    '1970-01-01 00:00:00+00',
    '9999-12-31 23:59:59.999999+00',
    '2026-03-01 11:00:01.123+01',
    '2026-03-01 05:30:01.25-04:30',
    '0099-06-01 12:00:00+00',
    '1066-10-14 09:00:00+00',
    '0044-03-15 12:00:00+00 BC',
  ];

  it.each(samples)('reads %s as node-postgres does', (text) => {
    const expected = pgTimestamptz(text) as Date;
    expect(readTimestamptz(text).getTime()).toBe(expected.getTime());
  });

  it('truncates microseconds to the millisecond, as node-postgres does', () => {
    expect(readTimestamptz('2026-03-01 10:00:01.123999+00').toISOString()).toBe('2026-03-01T10:00:01.123Z');
    expect(readTimestamptz('2026-03-01 10:00:01.5+00').toISOString()).toBe('2026-03-01T10:00:01.500Z');
  });

  it('hands infinity to node-postgres', () => {
    expect(readTimestamptz('infinity')).toBe(Infinity);
  });
});

describe('lockMessagesStatement', () => {
  const update: StatusUpdate = {
    event_id: '7a0c8a5e-3b1f-5d2e-9c4b-1e2f3a4b5c6d',
    channel_id: '3f0a8c2e-7b1d-4c59-9e26-5d8b1a7c4f03',
    channel_type: 'whatsapp',
    status: 'delivered',
    timestamp: '2026-03-01T10:00:02.000Z',
    received_at: '2026-03-01T10:00:02.100Z',
    provider_message_id: 'wamid.A',
  };

  it('reads its timestamptz columns with readTimestamptz and leaves other types to node-postgres', () => {
    const statement = lockMessagesStatement([update]);
    expect(statement?.types?.getTypeParser(1184, 'text')).toBe(readTimestamptz);
    expect(statement?.types?.getTypeParser(3802, 'text')).toBe(types.getTypeParser(3802, 'text'));
  });
});

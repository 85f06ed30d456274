import {
  databaseFailureKind,
  DatabaseUnavailableError,
  describeDatabaseError,
  isPermanentDataError,
  isTransactionConflict,
  sqlStateOf,
} from './database-error';

const pgError = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('databaseFailureKind', () => {
  it.each([
    ['40P01', 'conflict'],
    ['40001', 'conflict'],
    ['23503', 'permanent'], // foreign key: the channel does not exist
    ['23514', 'permanent'], // check constraint
    ['22021', 'permanent'], // NUL byte in text
    ['22P05', 'permanent'], // \u0000 in jsonb
    ['22007', 'permanent'], // unreadable timestamp
    ['57P01', 'transient'], // admin shutdown
    ['53300', 'transient'], // too many connections
    ['08006', 'transient'], // connection failure
    ['42P01', 'transient'], // table missing: migrations not run yet
  ])('%s is %s', (code, kind) => {
    expect(databaseFailureKind(pgError(code))).toBe(kind);
  });

  it('treats errors without a SQLSTATE (refused connection, pool timeout) as transient', () => {
    expect(databaseFailureKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(databaseFailureKind(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(databaseFailureKind(undefined)).toBe('transient');
  });
});

describe('describeDatabaseError', () => {
  it('gives the SQLSTATE and the message', () => {
    expect(
      describeDatabaseError(pgError('23503', 'insert or update on table "messages" violates foreign key constraint "fk_messages_channel"')),
    ).toBe('23503 insert or update on table "messages" violates foreign key constraint "fk_messages_channel"');
    expect(describeDatabaseError(new Error('Connection terminated unexpectedly'))).toBe('Connection terminated unexpectedly');
  });
});

describe('sqlStateOf', () => {
  it("reads the SQLSTATE from pg's error or from the driverError TypeORM wraps it in", () => {
    expect(sqlStateOf(pgError('23505'))).toBe('23505');
    expect(sqlStateOf(Object.assign(new Error('query failed'), { driverError: pgError('40P01') }))).toBe('40P01');
    // Node's own codes are not SQLSTATEs.
    expect(sqlStateOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(sqlStateOf(null)).toBeUndefined();
  });

  it('classifies a wrapped error as its SQLSTATE says', () => {
    const wrapped = (code: string) => Object.assign(new Error('query failed'), { driverError: pgError(code) });
    expect(isTransactionConflict(wrapped('40001'))).toBe(true);
    expect(isPermanentDataError(wrapped('22021'))).toBe(true);
    expect(isPermanentDataError(wrapped('57P01'))).toBe(false);
  });
});

describe('DatabaseUnavailableError', () => {
  it('keeps its cause and says what failed', () => {
    const cause = pgError('57P01', 'terminating connection due to administrator command');
    const error = new DatabaseUnavailableError(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('database unavailable: 57P01 terminating connection due to administrator command');
  });
});

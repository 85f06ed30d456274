/**
 * What a failed statement means for the events in it:
 * - `conflict`: a deadlock or serialization failure (40P01, 40001); running the same
 *   transaction again a moment later normally succeeds.
 * - `permanent`: PostgreSQL refused the data itself: a data exception (class 22, e.g. a
 *   NUL character or a timestamp it cannot read) or an integrity violation (class 23, e.g.
 *   the channel does not exist). The same event will fail the same way forever.
 * - `transient`: anything else (connection lost, too many connections, shutdown, a missing
 *   table while a migration runs): the database, not the event, is the problem.
 */
export type DatabaseFailureKind = 'conflict' | 'permanent' | 'transient';

export const DEADLOCK_DETECTED = '40P01';
export const SERIALIZATION_FAILURE = '40001';

/** SQLSTATE of a database error, from pg's error or TypeORM's QueryFailedError around it. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && /^[0-9A-Z]{5}$/.test(own)) return own;
  const driver = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof driver === 'string' && /^[0-9A-Z]{5}$/.test(driver) ? driver : undefined;
}

export function databaseFailureKind(error: unknown): DatabaseFailureKind {
  const code = sqlStateOf(error);
  if (code === undefined) return 'transient';
  if (code === DEADLOCK_DETECTED || code === SERIALIZATION_FAILURE) return 'conflict';
  if (code.startsWith('22') || code.startsWith('23')) return 'permanent';
  return 'transient';
}

export function isTransactionConflict(error: unknown): boolean {
  return databaseFailureKind(error) === 'conflict';
}

export function isPermanentDataError(error: unknown): boolean {
  return databaseFailureKind(error) === 'permanent';
}

/** A short, parameter-free reason for a failure header or a log line: the SQLSTATE and the message. */
export function describeDatabaseError(error: unknown): string {
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code} ${message}` : message;
}

/**
 * Thrown by a batch handler when the database could not be reached: the consumer holds the
 * batch, stops consuming and resumes once the database answers, without spending the events'
 * retry attempts (an outage is not the events' fault).
 */
export class DatabaseUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`database unavailable: ${describeDatabaseError(cause)}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Tells a failing database from a failing event: a transient failure while the database does
 * not answer a probe becomes DatabaseUnavailableError (the batch is held); anything else
 * returns, for the caller's own handling.
 */
export async function throwIfDatabaseUnreachable(error: unknown, databaseReachable: () => Promise<boolean>): Promise<void> {
  if (databaseFailureKind(error) === 'transient' && !(await databaseReachable())) throw new DatabaseUnavailableError(error);
}

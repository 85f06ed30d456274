/**
 * `conflict`: deadlock or serialization failure (40P01, 40001), passes on a retry; `permanent`: PostgreSQL refused the
 * data (class 22 or 23), forever; `transient`: anything else, the database's problem, not the event's.
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

/** The consumer holds the batch until the database answers, without spending the events' retries. */
export class DatabaseUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`database unavailable: ${describeDatabaseError(cause)}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** A transient failure while a probe fails becomes DatabaseUnavailableError; anything else returns for the caller. */
export async function throwIfDatabaseUnreachable(error: unknown, databaseReachable: () => Promise<boolean>): Promise<void> {
  if (databaseFailureKind(error) === 'transient' && !(await databaseReachable())) throw new DatabaseUnavailableError(error);
}

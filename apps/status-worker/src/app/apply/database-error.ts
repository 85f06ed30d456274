/** SQLSTATE of a database error, from pg's error or TypeORM's QueryFailedError around it. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && /^[0-9A-Z]{5}$/.test(own)) return own;
  const driver = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof driver === 'string' ? driver : undefined;
}

export const DEADLOCK_DETECTED = '40P01';
export const SERIALIZATION_FAILURE = '40001';

/** A transaction that lost a lock race; running it again is expected to pass. */
export function isTransactionConflict(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code === DEADLOCK_DETECTED || code === SERIALIZATION_FAILURE;
}

/**
 * An error the event's own data causes (class 22: data exception, e.g. a NUL character in a
 * text; class 23: integrity constraint): it fails the same way every time, so retrying is pointless.
 */
export function isPermanentDataError(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}

/** A short, parameter-free description for logs and the x-failure-reason header. */
export function describeError(error: unknown): string {
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code} ${message}` : message;
}

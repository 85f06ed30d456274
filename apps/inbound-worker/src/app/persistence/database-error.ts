/**
 * What a failed insert means for the events in it:
 * - `conflict`: a deadlock or serialization failure (40P01, 40001); running the same
 *   statement again a moment later normally succeeds.
 * - `permanent`: PostgreSQL refused the data itself: a data exception (class 22, e.g. a
 *   NUL character or a timestamp it cannot read) or an integrity violation (class 23, e.g.
 *   the channel does not exist). The same event will fail the same way forever.
 * - `transient`: anything else (connection lost, too many connections, shutdown, a missing
 *   table while a migration runs): the database, not the event, is the problem.
 */
export type DatabaseFailureKind = 'conflict' | 'permanent' | 'transient';

const CONFLICT_CODES = new Set(['40P01', '40001']);

export function databaseFailureKind(error: unknown): DatabaseFailureKind {
  const code = sqlStateOf(error);
  if (code === undefined) return 'transient';
  if (CONFLICT_CODES.has(code)) return 'conflict';
  if (code.startsWith('22') || code.startsWith('23')) return 'permanent';
  return 'transient';
}

/** The five-character SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A short reason for a failure header or a log line: the SQLSTATE and PostgreSQL's message. */
export function describeDatabaseError(error: unknown): string {
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code} ${message}` : message;
}

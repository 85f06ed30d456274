import { OPEN_STATUSES } from './message-status';
import type { GroupCounter, LifecycleUpdateKind } from './status-rules';

/**
 * The rules of status-rules.ts as SQL fragments, for a worker that applies updates set-wise
 * in one statement instead of loading each row. Every fragment reads the row as it was
 * before the update, which is what PostgreSQL's UPDATE ... SET sees. The integration spec
 * checks, for every (row state, update) pair, that these fragments and applyStatusUpdate
 * write the same row and move the same counters.
 *
 * Reference use (one message, $1 = id, $2 = the update's time; test/status-update-sql.spec.ts
 * runs it, concurrency included):
 *
 *   WITH before AS (
 *     SELECT m.id, <counterMoves.delivered_count> AS delivered_count, …
 *     FROM messages m WHERE m.id = $1 FOR UPDATE
 *   ), changed AS (
 *     UPDATE messages m SET <assignments>, updated_at = now()
 *     FROM before WHERE m.id = before.id AND <changesRow>
 *     RETURNING before.delivered_count, …
 *   )
 *   SELECT * FROM changed
 *
 * The row lock taken in `before` keeps concurrent consumers from both seeing the row as not
 * yet delivered; the caller then adds 1 to each counter whose flag came back true, in the
 * same transaction. (The outer SELECT is there because TypeORM's `query` answers a bare
 * UPDATE with [rows, rowCount] instead of the rows.)
 */

export interface StatusUpdateSqlInputs {
  /** Name or alias of the messages row in the statement, e.g. `m`. */
  row: string;
  /**
   * SQL expression of the update's time, of type timestamptz, e.g. `$2::timestamptz`.
   * Pass it with millisecond precision (`parseStatusTime(ts).toISOString()`), as the
   * in-memory rules see it.
   */
  at: string;
  /** SQL expression of type jsonb for `error_details` (failed updates); see {@link errorDetailsSql}. */
  errorDetails?: string;
}

export interface StatusUpdateSql {
  /** Boolean: the update changes the row. Put it in the WHERE clause. */
  changesRow: string;
  /** `column = expression` items for the SET clause (updated_at is left to the caller). */
  assignments: string[];
  /** Boolean per counter: it moves by one when this update is applied to the row. */
  counterMoves: Record<GroupCounter, string>;
}

const OPEN = `(${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')})`;

/** The SQL for one lifecycle update kind; informational kinds write nothing, so have none. */
export function statusUpdateSql(kind: LifecycleUpdateKind, inputs: StatusUpdateSqlInputs): StatusUpdateSql {
  const { row, at } = inputs;
  const status = `${row}.status`;
  const readAt = `(${row}.metadata_->>'read_at')`;
  const never = 'false';

  // Each time holds the earliest reported time of its step; LEAST skips NULL.
  const deliveredAt = `delivered_at = CASE WHEN ${status} = 'delivered' THEN LEAST(${row}.delivered_at, ${at}) ELSE ${at} END`;
  const deliveredAtMoves = `(${status} <> 'delivered' OR ${row}.delivered_at IS NULL OR ${row}.delivered_at > ${at})`;

  switch (kind) {
    case 'queued':
      return {
        changesRow: `${status} = 'pending'`,
        assignments: [`status = 'queued'`],
        counterMoves: { delivered_count: never, failed_count: never, read_count: never },
      };

    case 'sent':
      return {
        changesRow: `(${status} IN ('pending', 'queued') OR ${row}.sent_at IS NULL OR ${row}.sent_at > ${at})`,
        assignments: [
          `status = CASE WHEN ${status} IN ('pending', 'queued') THEN 'sent' ELSE ${status} END`,
          `sent_at = LEAST(${row}.sent_at, ${at})`,
        ],
        counterMoves: { delivered_count: never, failed_count: never, read_count: never },
      };

    case 'delivered':
      return {
        changesRow: `(${status} <> 'failed' AND ${deliveredAtMoves})`,
        assignments: [`status = 'delivered'`, deliveredAt],
        counterMoves: { delivered_count: `${status} IN ${OPEN}`, failed_count: never, read_count: never },
      };

    case 'read': {
      const readAtMoves = `(${readAt} IS NULL OR ${readAt}::timestamptz > ${at})`;
      return {
        changesRow: `(${status} <> 'failed' AND (${deliveredAtMoves} OR ${readAtMoves}))`,
        assignments: [
          `status = 'delivered'`,
          deliveredAt,
          `metadata_ = CASE WHEN ${readAtMoves} THEN jsonb_set(${row}.metadata_, '{read_at}', to_jsonb(${isoTextSql(at)})) ELSE ${row}.metadata_ END`,
        ],
        counterMoves: {
          delivered_count: `${status} IN ${OPEN}`,
          failed_count: never,
          read_count: `(${status} <> 'failed' AND ${readAt} IS NULL)`,
        },
      };
    }

    case 'failed': {
      if (inputs.errorDetails === undefined) throw new Error('statusUpdateSql: a failed update needs errorDetails');
      // A repeated failure replaces failed_at and error_details only when reported earlier.
      const firstOrEarlier = `(${status} <> 'failed' OR ${row}.failed_at IS NULL OR ${row}.failed_at > ${at})`;
      return {
        changesRow: `(${status} <> 'delivered' AND ${firstOrEarlier})`,
        assignments: [
          `status = 'failed'`,
          `failed_at = ${at}`,
          `error_details = ${inputs.errorDetails}`,
        ],
        counterMoves: { delivered_count: never, failed_count: `${status} IN ${OPEN}`, read_count: never },
      };
    }
  }
}

/** jsonb `{code, message, provider_status}` from three SQL text expressions (NULL allowed). */
export function errorDetailsSql(code: string, message: string, providerStatus: string): string {
  return `jsonb_build_object('code', (${code})::text, 'message', (${message})::text, 'provider_status', (${providerStatus})::text)`;
}

/** The same ISO-8601 form as Date.prototype.toISOString, computed in SQL. */
function isoTextSql(timestamptz: string): string {
  return `to_char((${timestamptz}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

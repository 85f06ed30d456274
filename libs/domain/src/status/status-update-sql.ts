import type { WatermarkStatus } from '@inbound/contracts';

/**
 * Whether an update of this kind at time `at` would change a messages row, as an SQL boolean
 * over the row's columns: the rule of applyStatusUpdate (status-rules.ts) for that kind,
 * written in SQL. The status worker uses it to lock and load only the rows a watermark can
 * still change, so a recipient's long delivered history is neither locked nor loaded.
 * test/status-update-sql.spec.ts checks it against applyStatusUpdate for every row state.
 *
 * `row` is the row's name or alias in the statement; `at` an SQL timestamptz expression.
 */
export function changesRowSql(kind: WatermarkStatus, row: string, at: string): string {
  const status = `${row}.status`;
  // delivered_at holds the earliest reported delivery; a later report changes nothing.
  const deliveredAtMoves = `(${status} <> 'delivered' OR ${row}.delivered_at IS NULL OR ${row}.delivered_at > ${at})`;
  if (kind === 'delivered') return `(${status} <> 'failed' AND ${deliveredAtMoves})`;
  const readAt = `(${row}.metadata_->>'read_at')`;
  const readAtMoves = `(${readAt} IS NULL OR ${readAt}::timestamptz > ${at})`;
  return `(${status} <> 'failed' AND (${deliveredAtMoves} OR ${readAtMoves}))`;
}

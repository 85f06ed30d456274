import type { WatermarkStatus } from '@inbound/contracts';

/**
 * applyStatusUpdate's rule for `kind` as an SQL boolean over `row`'s columns (`at`: a timestamptz expression),
 * so the status worker locks only rows a watermark can still change. test/status-update-sql.spec.ts checks both agree.
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

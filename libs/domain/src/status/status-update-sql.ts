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

/**
 * nameBasedUuid (libs/contracts) as an SQL expression over SQL text expressions `parts`: the same id, so a statement can
 * name the events it writes as the worker would. SHA-1 comes from pgcrypto (migration PgcryptoForEventIds).
 */
export function nameBasedUuidSql(parts: readonly string[]): string {
  const name = parts.map((part) => `convert_to(${part}, 'UTF8')`).join(` || '\\x00'::bytea || `);
  return (
    `(SELECT encode(set_byte(set_byte(substring(h FROM 1 FOR 16), 6, (get_byte(h, 6) & 15) | 80), 8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid ` +
    `FROM digest(${name}, 'sha1') AS h)`
  );
}

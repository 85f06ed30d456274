import { isUuidText } from '@inbound/contracts';

/** Where a page of a delivery listing ended: the last row's `created_at` (to the microsecond) and `id`. */
export interface DeliveryCursor {
  /** UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: PostgreSQL keeps microseconds, and a millisecond Date would skip or repeat rows. */
  createdAt: string;
  id: string;
}

/** `created_at` rendered by PostgreSQL with all its precision, for the cursor of the row. */
export const CURSOR_TIME_SQL = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const SEPARATOR = '|';

/** Opaque to callers: base64url of `<created_at>|<id>`. */
export function encodeDeliveryCursor(cursor: DeliveryCursor): string {
  return Buffer.from(`${cursor.createdAt}${SEPARATOR}${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor a listing gave, or undefined for anything else. */
export function decodeDeliveryCursor(text: string): DeliveryCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const [createdAt, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split(SEPARATOR);
  if (rest.length > 0 || !CURSOR_TIME.test(createdAt ?? '') || !isUuidText(id)) return undefined;
  // A day the calendar lacks (02-30) would reach PostgreSQL and fail there.
  const parsed = new Date(createdAt);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== createdAt.slice(0, 19)) return undefined;
  return { createdAt, id };
}

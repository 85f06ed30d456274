import { FIELD_LIMITS, STATUS_PATTERN } from '@inbound/contracts';
import type { ParseError } from './adapter.types';
import { isJsonObject, parseJsonBody } from './json-reader';

/** The documented field names (so typos fail to compile), every value `unknown` until checked where it is read. */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/** The value as an unchecked `T` when it is a JSON object, else undefined. */
export function asUnchecked<T extends object>(value: unknown): Unchecked<T> | undefined {
  return isJsonObject(value) ? (value as Unchecked<T>) : undefined;
}

/** The value when it is an array, else an empty one: an absent list holds nothing. */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty string of at most `maxLength` characters (identifiers, addresses), else undefined. */
export function identifierValue(value: unknown, maxLength: number = FIELD_LIMITS.identifier): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength ? value : undefined;
}

export function numberValue(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function booleanValue(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function truncate(value: string | undefined, maxLength: number): string | undefined {
  return value !== undefined && value.length > maxLength ? value.slice(0, maxLength) : value;
}

// 9999-12-31T23:59:59.999Z: beyond it toISOString() leaves the four-digit ISO-8601 form.
const LAST_ISO_MILLISECOND = 253_402_300_799_999;
const EPOCH_TEXT = /^\d{1,16}(\.\d+)?$/;

/** Unix time as ISO UTC; undefined when missing, 0 ("not set") or implausible, so the caller falls back to receipt time. */
export function epochToIso(value: unknown, unit: 'seconds' | 'milliseconds'): string | undefined {
  const amount = typeof value === 'string' && EPOCH_TEXT.test(value) ? Number(value) : value;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return undefined;
  const milliseconds = Math.round(unit === 'seconds' ? amount * 1000 : amount);
  return milliseconds <= LAST_ISO_MILLISECOND ? new Date(milliseconds).toISOString() : undefined;
}

/** Decodes a JSON body; a body that is not JSON is the `invalid_json` parse error. */
export function decodeJsonBody(rawBody: Buffer): { ok: true; value: unknown } | { ok: false; error: ParseError } {
  const decoded = parseJsonBody(rawBody);
  return decoded.ok ? decoded : { ok: false, error: { kind: 'invalid_json', detail: 'body is not valid JSON' } };
}

/** A copy without the keys whose value is undefined, so events serialise without them. */
export function withoutUndefined<T extends object>(value: T): T {
  const copy = {} as T;
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] !== undefined) copy[key] = value[key];
  }
  return copy;
}

/** Lower case, other characters as `_`, `unknown` when nothing usable is left. */
export function statusWord(raw: string): string {
  const lower = raw.toLowerCase();
  if (STATUS_PATTERN.test(lower)) return lower;
  const cleaned = lower
    .replace(/[^a-z_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  return STATUS_PATTERN.test(cleaned) ? cleaned : 'unknown';
}

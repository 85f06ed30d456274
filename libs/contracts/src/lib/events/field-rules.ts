/**
 * Checks of single event fields, written out rather than built on a validation library: the
 * workers run them for every event, and they cost a fraction of a decorator-based validator.
 * Each returns the name of the rule a value breaks, or undefined when it holds.
 */
export type FieldRule = (value: unknown) => string | undefined;

// RFC 9562 versions 1-8 with the RFC variant, plus the nil and max UUIDs.
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;
// An RFC 3339 date-time: a calendar date, a time with seconds, an optional fraction, a zone.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarTime(text: string): boolean {
  const parts = DATE_TIME.exec(text);
  if (parts === null) return false;
  const year = Number(parts[1]);
  const month = Number(parts[2]);
  const day = Number(parts[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return false;
  if (Number(parts[4]) > 23 || Number(parts[5]) > 59 || Number(parts[6]) > 59) return false;
  return parts[7] === undefined || (Number(parts[7]) <= 23 && Number(parts[8]) <= 59);
}

export const uuid: FieldRule = (value) => (typeof value === 'string' && UUID.test(value) ? undefined : 'isUuid');

export const dateTime: FieldRule = (value) => (typeof value === 'string' && isCalendarTime(value) ? undefined : 'isIso8601');

export const jsonObject: FieldRule = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'isObject';

export function oneOf(allowed: readonly string[]): FieldRule {
  const set: ReadonlySet<unknown> = new Set(allowed);
  return (value) => (set.has(value) ? undefined : 'isIn');
}

export function pattern(expression: RegExp): FieldRule {
  return (value) => (typeof value === 'string' && expression.test(value) ? undefined : 'matches');
}

/** A string of at most `maxLength` code units; `nonEmpty` also refuses "". */
export function text(maxLength: number, nonEmpty: boolean): FieldRule {
  return (value) => {
    if (typeof value !== 'string') return 'isString';
    if (nonEmpty && value.length === 0) return 'isNotEmpty';
    return value.length > maxLength ? 'maxLength' : undefined;
  };
}

/** Absent (undefined or null, as JSON writers often send) or passing `rule`. */
export function optional(rule: FieldRule): FieldRule {
  return (value) => (value === undefined || value === null ? undefined : rule(value));
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Whether a value is a time the events accept (an RFC 3339 date-time of the calendar). */
export function isEventTime(value: unknown): value is string {
  return dateTime(value) === undefined;
}

import { eventTimeMillis } from '../event-time';
import { isRfcUuidText } from '../uuid-text';

/**
 * Checks of single event fields, written out rather than built on a validation library: the
 * workers run them for every event, and they cost a fraction of a decorator-based validator.
 * Each returns the name of the rule a value breaks, or undefined when it holds.
 */
export type FieldRule = (value: unknown) => string | undefined;

export const uuid: FieldRule = (value) => (isRfcUuidText(value) ? undefined : 'isUuid');

export const dateTime: FieldRule = (value) =>
  typeof value === 'string' && !Number.isNaN(eventTimeMillis(value)) ? undefined : 'isIso8601';

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

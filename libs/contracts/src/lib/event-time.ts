const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years, in milliseconds: Date.UTC reads years 0-99 as 1900-1999, so those are computed 400 years on. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

const ZERO = 0x30;
const NINE = 0x39;

/** The digits of text[from, from + count) as a number, or -1 when one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i);
    if (code < ZERO || code > NINE) return -1;
    value = value * 10 + (code - ZERO);
  }
  return value;
}

/**
 * Milliseconds since the epoch of an event time: an RFC 3339 date-time of the calendar (`2026-03-01T10:00:01Z`,
 * `2026-03-01T10:00:01.123456+02:00`: four-digit year from 0001, a real day, hours to 23, seconds to 59, a fraction of
 * 1-9 digits, `Z` or an offset). NaN for anything else. The same instant as `Date.parse` (a fraction cut to
 * milliseconds), read by position instead of through a pattern and the general date parser: the workers read two of
 * these per event.
 */
export function eventTimeMillis(text: string): number {
  const length = text.length;
  if (length < 20) return Number.NaN;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return Number.NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return Number.NaN;
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return Number.NaN;

  let at = 19;
  let milliseconds = 0;
  if (text[at] === '.') {
    const start = ++at;
    while (at < length && at - start < 9) {
      const code = text.charCodeAt(at);
      if (code < ZERO || code > NINE) break;
      // Only the first three digits count: the parser cuts the rest.
      if (at - start < 3) milliseconds += (code - ZERO) * (at - start === 0 ? 100 : at - start === 1 ? 10 : 1);
      at++;
    }
    if (at === start) return Number.NaN;
  }

  let offsetMinutes = 0;
  if (at === length - 1 && text[at] === 'Z') {
    // UTC
  } else if (at === length - 6 && (text[at] === '+' || text[at] === '-') && text[at + 3] === ':') {
    const offsetHours = digitsAt(text, at + 1, 2);
    const offsetPart = digitsAt(text, at + 4, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetPart < 0 || offsetPart > 59) return Number.NaN;
    offsetMinutes = (text[at] === '+' ? 1 : -1) * (offsetHours * 60 + offsetPart);
  } else {
    return Number.NaN;
  }

  const utc =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, milliseconds) - FOUR_CENTURIES_MS
      : Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  return utc - offsetMinutes * 60_000;
}

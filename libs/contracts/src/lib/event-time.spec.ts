import fc from 'fast-check';
import { eventTimeMillis } from './event-time';

// The rule as a pattern plus calendar checks, as the events checked it before: the oracle the reader must agree with.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isCalendarTimeByPattern(text: string): boolean {
  const parts = DATE_TIME.exec(text);
  if (parts === null) return false;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return false;
  if (Number(parts[4]) > 23 || Number(parts[5]) > 59 || Number(parts[6]) > 59) return false;
  return parts[7] === undefined || (Number(parts[7]) <= 23 && Number(parts[8]) <= 59);
}

const two = (n: number) => String(n).padStart(2, '0');
/** Times of the rule's shape with every field drawn from a range a little wider than the valid one. */
const timeLike = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,11}$/), { nil: undefined }),
    zone: fc.oneof(
      fc.constant('Z'),
      fc.constant('z'),
      fc.constant(''),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
        .map(([sign, h, m]) => `${sign}${two(h)}:${two(m)}`),
      fc.constantFrom('+0530', '+05', 'UTC', ' Z'),
    ),
  })
  .map(
    ({ year, month, day, hour, minute, second, fraction, zone }) =>
      `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${fraction === undefined ? '' : `.${fraction}`}${zone}`,
  );

describe('eventTimeMillis', () => {
  it('accepts exactly what the pattern and calendar rule accept, and then reads the instant Date.parse reads', () => {
    fc.assert(
      fc.property(timeLike, (text) => {
        const millis = eventTimeMillis(text);
        expect(Number.isNaN(millis)).toBe(!isCalendarTimeByPattern(text));
        if (!Number.isNaN(millis)) expect(millis).toBe(Date.parse(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads times as toISOString writes them, across the whole four-digit range', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        (date) => {
          expect(eventTimeMillis(date.toISOString())).toBe(date.getTime());
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['2026-03-01T10:00:01Z', Date.UTC(2026, 2, 1, 10, 0, 1)],
    ['2026-03-01T10:00:01.9999999Z', Date.UTC(2026, 2, 1, 10, 0, 1, 999)],
    ['2026-03-01T10:00:01.5+02:00', Date.UTC(2026, 2, 1, 8, 0, 1, 500)],
    ['2024-02-29T23:59:59-23:59', Date.UTC(2024, 2, 1, 23, 58, 59)],
    ['0050-06-15T12:00:00Z', Date.parse('0050-06-15T12:00:00Z')],
  ])('reads %s', (text, expected) => {
    expect(eventTimeMillis(text)).toBe(expected);
  });

  it.each([
    '',
    '2026-03-01',
    '2026-03-01 10:00:01Z',
    '2026-03-01T10:00:01',
    '2026-02-29T10:00:01Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T10:00:60Z',
    '2026-03-01T10:00:01.Z',
    '2026-03-01T10:00:01.1234567890Z',
    '2026-03-01T10:00:01+24:00',
    '0000-01-01T00:00:00Z',
    '+02026-03-01T10:00:01Z',
    '２０２６-03-01T10:00:01Z',
  ])('refuses %j', (text) => {
    expect(eventTimeMillis(text)).toBeNaN();
  });
});

import { epochToIso } from './payload-value';

describe('epochToIso', () => {
  it.each([
    [1_700_000_000, 'seconds', '2023-11-14T22:13:20.000Z'],
    ['1700000000', 'seconds', '2023-11-14T22:13:20.000Z'], // WhatsApp sends digits in a string
    [1_521_472_262.908181, 'seconds', '2018-03-19T15:11:02.908Z'], // Mailgun: fractions to the ms
    [1_521_472_262.9086, 'seconds', '2018-03-19T15:11:02.909Z'], // rounded, not cut
    [1_458_692_752_478, 'milliseconds', '2016-03-23T00:25:52.478Z'], // Messenger
    [253_402_300_799, 'seconds', '9999-12-31T23:59:59.000Z'],
  ] as const)('%p %s → %s', (value, unit, iso) => {
    expect(epochToIso(value, unit)).toBe(iso);
  });

  it.each([
    [0, 'seconds'], // "not set": the caller falls back to the receipt time
    ['0', 'seconds'],
    [-1, 'seconds'],
    [Number.NaN, 'seconds'],
    [Number.POSITIVE_INFINITY, 'milliseconds'],
    [253_402_300_800, 'seconds'], // year 10000 has no four-digit ISO form
    ['17e8', 'seconds'],
    ['1700000000Z', 'seconds'],
    ['', 'seconds'],
    [undefined, 'seconds'],
    [null, 'milliseconds'],
    [{}, 'seconds'],
  ] as const)('%p %s → undefined', (value, unit) => {
    expect(epochToIso(value, unit)).toBeUndefined();
  });
});

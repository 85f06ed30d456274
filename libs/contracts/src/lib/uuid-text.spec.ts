import fc from 'fast-check';
import { isRfcUuidText, isUuidText } from './uuid-text';

// The two rules as patterns, as they were checked before: the oracles the readers must agree with.
const ANY_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC_UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

/** 36 characters near the layout: mostly hex and dashes, sometimes anything, so both answers come up often. */
const uuidLike = fc
  .array(
    fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...'0123456789abcdefABCDEF-') },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
    ),
    {
      minLength: 35,
      maxLength: 37,
    },
  )
  .map((characters) => characters.join(''));
/** Real layouts with the version and variant digits drawn from every hex digit. */
const laidOut = fc
  .tuple(fc.uuid(), fc.constantFrom(...'0123456789abcdefABCDEF'), fc.constantFrom(...'0123456789abcdefABCDEF'), fc.boolean())
  .map(([id, version, variant, upper]) => {
    const text = `${id.slice(0, 14)}${version}${id.slice(15, 19)}${variant}${id.slice(20)}`;
    return upper ? text.toUpperCase() : text;
  });

describe('uuid text', () => {
  it('agrees with the patterns on near-miss and laid-out strings', () => {
    fc.assert(
      fc.property(fc.oneof(uuidLike, laidOut), (text) => {
        expect(isUuidText(text)).toBe(ANY_UUID.test(text));
        expect(isRfcUuidText(text)).toBe(RFC_UUID.test(text));
      }),
      { numRuns: 30_000 },
    );
  });

  it.each([
    ['3f1c2d4e-1111-4222-8333-444455556666', true, true],
    ['3F1C2D4E-1111-4222-B333-444455556666', true, true],
    ['3f1c2d4e-1111-0222-8333-444455556666', true, false],
    ['3f1c2d4e-1111-4222-c333-444455556666', true, false],
    ['00000000-0000-0000-0000-000000000000', true, true],
    ['FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF', true, true],
    ['3f1c2d4e11114222833344445555666600', false, false],
    ['3f1c2d4e-1111-4222-8333-44445555666', false, false],
    ['3f1c2d4e-1111-4222-8333-4444555566666', false, false],
    ['3f1c2d4e-1111-4222-8333-44445555666g', false, false],
  ])('%s: any version %s, RFC %s', (text, any, rfc) => {
    expect(isUuidText(text)).toBe(any);
    expect(isRfcUuidText(text)).toBe(rfc);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, {}, ['3f1c2d4e-1111-4222-8333-444455556666']]) {
      expect(isUuidText(value)).toBe(false);
      expect(isRfcUuidText(value)).toBe(false);
    }
  });
});

import fc from 'fast-check';
import { ADMIN_JSON_BOUNDS, parseBoundedJson } from './bounded-json';

const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

const problemOf = (text: string): string => {
  const result = parseBoundedJson(text);
  if (result.ok) throw new Error(`accepted ${text.slice(0, 80)}`);
  return result.problem;
};

describe('parseBoundedJson', () => {
  it('takes an ordinary admin body as JSON.parse reads it', () => {
    const body = { account_id: 'a', channel_type: 'email', name: 'n', credentials: { provider: 'ses', topic_arn: ['arn:1', 'arn:2'] } };
    expect(parseBoundedJson(JSON.stringify(body))).toEqual({ ok: true, value: body });
  });

  it('refuses deep nesting from the text alone, however deep, without building it', () => {
    expect(problemOf('['.repeat(500))).toBe('body nests deeper than 8 levels');
    expect(problemOf(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`)).toBe('body nests deeper than 8 levels');
    expect(problemOf(`{"a":${'{"a":'.repeat(8)}1${'}'.repeat(9)}`)).toBe('body nests deeper than 8 levels');
    // Brackets inside strings are text, not nesting; an escaped quote does not end the string.
    expect(parseBoundedJson(JSON.stringify({ name: '[[[[[[[[[[[[\\"{{{{{{{{{{{' })).ok).toBe(true);
  });

  it.each([
    ['[1]', 'body must be a JSON object'],
    ['"text"', 'body must be a JSON object'],
    ['null', 'body must be a JSON object'],
    ['{"a":', 'body is not valid JSON'],
    ['', 'body is not valid JSON'],
    ['{"__proto__":{"admin":true}}', 'key "__proto__" is not allowed (in the body)'],
    ['{"credentials":{"constructor":{"prototype":1}}}', 'key "constructor" is not allowed (in credentials)'],
    ['{"a":{"b":[{"prototype":1}]}}', 'key "prototype" is not allowed (in a.b[0])'],
    ['{"n":1e400}', 'n is a number out of range'],
    [JSON.stringify({ credentials: { key: 'x'.repeat(16_385) } }), 'credentials.key is longer than 16384 characters'],
    [JSON.stringify({ ['k'.repeat(129)]: 1 }), 'a key in the body is longer than 128 characters'],
    [JSON.stringify({ list: Array.from({ length: 257 }, () => 0) }), 'list has more than 256 elements'],
    [JSON.stringify(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, 0]))), 'the body has more than 256 keys'],
  ])('refuses %s: %s', (text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });

  it('bounds the number of values in the whole body', () => {
    const wide = { a: Array.from({ length: 200 }, () => Array.from({ length: 30 }, () => 1)) };
    expect(problemOf(JSON.stringify(wide))).toBe(`body holds more than ${ADMIN_JSON_BOUNDS.maxNodes} values`);
  });

  it('never throws, and whatever it accepts is an object within every bound (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({ depthSize: 'large' }),
          fc.string(),
          fc.jsonValue().map((value) => JSON.stringify(value).slice(0, -1)),
        ),
        (text) => {
          const result = parseBoundedJson(text);
          if (!result.ok) return;
          expect(typeof result.value).toBe('object');
          expect(depthOf(result.value)).toBeLessThanOrEqual(ADMIN_JSON_BOUNDS.maxDepth);
          expect(JSON.stringify(result.value)).not.toMatch(/"(__proto__|constructor|prototype)":/);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

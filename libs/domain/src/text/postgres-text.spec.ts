import { REPLACEMENT_CHARACTER, storableJson, storableNullableText, storableText } from './postgres-text';

describe('storable text for PostgreSQL', () => {
  it('replaces every U+0000 in a text and keeps the rest', () => {
    expect(storableText('a\u0000b\u0000')).toBe(`a${REPLACEMENT_CHARACTER}b${REPLACEMENT_CHARACTER}`);
    expect(storableText('plain')).toBe('plain');
    expect(storableNullableText(null)).toBeNull();
    expect(storableNullableText(undefined)).toBeNull();
  });

  it('replaces U+0000 in nested strings and keys of a JSON value, and nowhere else', () => {
    const value = { 'k\u0000': ['x\u0000', { deep: 'y\u0000z', n: 1, ok: true, none: null }], at: new Date(0) };
    const json = storableJson(value);
    expect(json).not.toContain('\\u0000');
    expect(JSON.parse(json)).toEqual({
      [`k${REPLACEMENT_CHARACTER}`]: [`x${REPLACEMENT_CHARACTER}`, { deep: `y${REPLACEMENT_CHARACTER}z`, n: 1, ok: true, none: null }],
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('replaces a lone surrogate, which jsonb refuses, and keeps a well-formed pair', () => {
    const json = storableJson({ lone: 'a\uD800b', pair: '😀', ['k\uDC00']: 1 });
    expect(JSON.parse(json)).toEqual({ lone: `a${REPLACEMENT_CHARACTER}b`, pair: '😀', [`k${REPLACEMENT_CHARACTER}`]: 1 });
  });

  it('leaves a value without U+0000 exactly as JSON.stringify writes it, an escaped backslash included', () => {
    const value = { text: 'a\\u0000 is six characters', list: [1, 'two'] };
    expect(storableJson(value)).toBe(JSON.stringify(value));
  });
});

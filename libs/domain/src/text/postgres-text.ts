// PostgreSQL cannot store U+0000: a text value holding it is refused ("invalid byte sequence"),
// and so is a jsonb value holding its escape `\u0000` ("unsupported Unicode escape sequence").
// jsonb also refuses a lone UTF-16 surrogate, which JSON.stringify writes as `\ud800`. A
// provider may still send either inside a text or an extra, so everything a worker writes goes
// through these, which put U+FFFD (the replacement character) in their place.
export const REPLACEMENT_CHARACTER = '\uFFFD';
// How JSON.stringify writes U+0000 and lone surrogates (a well-formed pair it writes as is).
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/** The text with every U+0000 replaced, or the same string when it holds none. */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', REPLACEMENT_CHARACTER) : text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableJsonString(text: string): string {
  return storableText(text).replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

export function storableNullableText(text: string | null | undefined): string | null {
  return text == null ? null : storableText(text);
}

/**
 * JSON text of the value for a json/jsonb parameter, with U+0000 and lone surrogates replaced
 * in every string and key. The usual value holds neither: one stringify and one pattern test.
 */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  // An escaped backslash before "u0000" also matches; cleaning such a value changes nothing.
  return UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(storableValue(value)) : json;
}

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableJsonString(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const clean: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) clean[storableJsonString(key)] = storableValue(entry);
    return clean;
  }
  return value;
}

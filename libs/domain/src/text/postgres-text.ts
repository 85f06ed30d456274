// PostgreSQL refuses U+0000 in text and its escape `\u0000` in jsonb, and jsonb refuses lone surrogates
// (`\ud800`). Providers send either, so everything a worker writes replaces them with U+FFFD.
export const REPLACEMENT_CHARACTER = '\uFFFD';
// How JSON.stringify writes U+0000 and lone surrogates (a well-formed pair it writes as is).
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/;

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

/** JSON text for a json/jsonb parameter, U+0000 and lone surrogates replaced; one stringify and one test when clean. */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  // An escaped backslash before "u0000" also matches; cleaning such a value changes nothing.
  // Most JSON holds no escape at all: a plain substring search rules that out before the pattern runs.
  // (JSON.stringify gives undefined for undefined itself; that passes through as before.)
  return json !== undefined && json.includes('\\u') && UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(storableValue(value)) : json;
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

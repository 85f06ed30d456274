/** What a JSON request body of the admin API may hold; past any of these it is refused. */
export interface JsonBounds {
  /** Nesting of objects and arrays; the top-level value is depth 1. */
  maxDepth: number;
  /** Keys of one object, elements of one array. */
  maxEntries: number;
  /** Objects, arrays and values in the whole body. */
  maxNodes: number;
  maxStringLength: number;
  maxKeyLength: number;
}

// Admin bodies are small flat objects (a channel's credentials, a subscription); these leave
// room for any honest one and keep class-transformer, which recurses, far from the stack limit.
export const ADMIN_JSON_BOUNDS: JsonBounds = {
  maxDepth: 8,
  maxEntries: 256,
  maxNodes: 4_096,
  maxStringLength: 16_384,
  maxKeyLength: 128,
};

// Keys that reach an object's prototype when code copies or merges the body.
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type BoundedJson = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/**
 * Nesting is measured on the text first, so a million `[` is refused unbuilt; the value is then walked without
 * recursion. Each problem names its place (`credentials.topic_arn[3]`).
 */
export function parseBoundedJson(text: string, bounds: JsonBounds = ADMIN_JSON_BOUNDS): BoundedJson {
  const depth = nestingDepth(text);
  if (depth > bounds.maxDepth) return { ok: false, problem: `body nests deeper than ${bounds.maxDepth} levels` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'body is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'body must be a JSON object' };
  const problem = firstProblem(value, bounds);
  return problem ? { ok: false, problem } : { ok: true, value: value as Record<string, unknown> };
}

/** Deepest nesting of `{`/`[` outside strings; on malformed text whatever it reached (JSON.parse then refuses it). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

function firstProblem(root: object, bounds: JsonBounds): string | undefined {
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  let nodes = 0;
  while (pending.length > 0) {
    const { value, path } = pending.pop() as { value: unknown; path: string };
    if (++nodes > bounds.maxNodes) return `body holds more than ${bounds.maxNodes} values`;
    const where = path === '' ? 'the body' : path;
    if (typeof value === 'string') {
      if (value.length > bounds.maxStringLength) return `${where} is longer than ${bounds.maxStringLength} characters`;
    } else if (typeof value === 'number') {
      // JSON.parse reads 1e400 as Infinity: no number a caller meant.
      if (!Number.isFinite(value)) return `${where} is a number out of range`;
    } else if (Array.isArray(value)) {
      if (value.length > bounds.maxEntries) return `${where} has more than ${bounds.maxEntries} elements`;
      value.forEach((element, index) => pending.push({ value: element, path: `${path}[${index}]` }));
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      if (keys.length > bounds.maxEntries) return `${where} has more than ${bounds.maxEntries} keys`;
      for (const key of keys) {
        if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed (in ${where})`;
        if (key.length > bounds.maxKeyLength) return `a key in ${where} is longer than ${bounds.maxKeyLength} characters`;
        pending.push({ value: (value as Record<string, unknown>)[key], path: path === '' ? key : `${path}.${key}` });
      }
    }
  }
  return undefined;
}

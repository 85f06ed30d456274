// Readers return undefined for a missing or wrongly typed field, so parsers never throw on a surprising payload.

export type JsonObject = { readonly [key: string]: unknown };

export type JsonParseResult = { ok: true; value: unknown } | { ok: false };

/** JSON.parse over the raw body bytes (UTF-8); a body that is not JSON is a value, not a throw. */
export function parseJsonBody(rawBody: Buffer): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(rawBody.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

export function readString(object: JsonObject, key: string): string | undefined {
  const value = own(object, key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function readNumber(object: JsonObject, key: string): number | undefined {
  const value = own(object, key);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function readBoolean(object: JsonObject, key: string): boolean | undefined {
  const value = own(object, key);
  return typeof value === 'boolean' ? value : undefined;
}

/** A string or a finite number, as text (providers are loose about which one they send). */
export function readText(object: JsonObject, key: string): string | undefined {
  return readString(object, key) ?? readNumber(object, key)?.toString();
}

export function readObject(object: JsonObject, key: string): JsonObject | undefined {
  const value = own(object, key);
  return isJsonObject(value) ? value : undefined;
}

/** The non-empty strings of an array field (other entries dropped); undefined when absent. */
export function readStringArray(object: JsonObject, key: string): string[] | undefined {
  const value = own(object, key);
  if (!Array.isArray(value)) return undefined;
  return value.filter((entry): entry is string => typeof entry === 'string' && entry.length > 0);
}

/** The object entries of an array field (other entries dropped); undefined when absent. */
export function readObjectArray(object: JsonObject, key: string): JsonObject[] | undefined {
  const value = own(object, key);
  if (!Array.isArray(value)) return undefined;
  return value.filter(isJsonObject);
}

/** A non-empty string credential; credentials of any other shape (or none at all) give undefined. */
export function readCredentialString(credentials: unknown, key: string): string | undefined {
  return isJsonObject(credentials) ? readString(credentials, key) : undefined;
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * 8-4-4-4-12 hex digits, any version: an id a uuid column can be queried with (route
 * parameters, other services' answers). Events hold to the stricter RFC rule of their checks.
 */
export function isUuidText(value: unknown): value is string {
  return typeof value === 'string' && UUID_TEXT.test(value);
}

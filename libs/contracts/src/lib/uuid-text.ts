/** Hex digits by character code (ASCII only), either case. */
const HEX_DIGIT = new Uint8Array(128);
for (const digit of '0123456789abcdefABCDEF') HEX_DIGIT[digit.charCodeAt(0)] = 1;

const DASH = 0x2d;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/**
 * 8-4-4-4-12 hex digits, any case. Read character by character rather than matched with a pattern: the gateway checks
 * every call's channel id and the workers three ids of every event.
 */
function hasUuidLayout(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== DASH) return false;
    } else if (code > 127 || HEX_DIGIT[code] === 0) {
      return false;
    }
  }
  return true;
}

/**
 * 8-4-4-4-12 hex digits, any version: an id a uuid column can be queried with (route
 * parameters, other services' answers). Events hold to the stricter RFC rule of their checks.
 */
export function isUuidText(value: unknown): value is string {
  return typeof value === 'string' && hasUuidLayout(value);
}

/** RFC 9562 versions 1-8 with the RFC variant (10xx), plus the nil and max UUIDs; any case. The events' rule. */
export function isRfcUuidText(value: unknown): value is string {
  if (typeof value !== 'string' || !hasUuidLayout(value)) return false;
  const version = value.charCodeAt(14);
  const variant = value.charCodeAt(19) | 0x20; // lower case for the letters; digits keep their code
  if (version >= 0x31 && version <= 0x38 && (variant === 0x38 || variant === 0x39 || variant === 0x61 || variant === 0x62)) return true;
  const lower = value.toLowerCase();
  return lower === NIL_UUID || lower === MAX_UUID;
}

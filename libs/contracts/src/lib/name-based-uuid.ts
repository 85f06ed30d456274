import { hash } from 'node:crypto';

/** The variant nibble (RFC 9562: 10xx) for each value of the hash's two low bits there. */
const VARIANT_NIBBLES = '89ab';

/**
 * A name-based UUID (version 5 layout over SHA-1): the same parts always give the same id, so
 * an event produced twice (a provider's retry, a rerun transaction) is recognised downstream.
 * One-shot hashing straight to hex: every webhook call and every status change makes one, and a
 * Hash object plus Buffer copies cost three times as much.
 */
export function nameBasedUuid(...parts: Array<string | number>): string {
  const hex = hash('sha1', parts.map(String).join('\u0000'), 'hex');
  const variant = VARIANT_NIBBLES[Number.parseInt(hex[16], 16) & 0x3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

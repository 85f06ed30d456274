import { hash } from 'node:crypto';

/** The variant nibble (RFC 9562: 10xx) for each value of the hash's two low bits there. */
const VARIANT_NIBBLES = '89ab';

/**
 * A name-based UUID (version 5 layout over SHA-1): the same parts always give the same id, so
 * an event produced twice (a provider's retry, a rerun transaction) is recognised downstream.
 * One-shot hashing straight to hex, the name joined and the variant read without temporary arrays or
 * parseInt: every webhook call and every status change makes one, and a Hash object plus Buffer
 * copies cost three times as much.
 */
export function nameBasedUuid(...parts: Array<string | number>): string {
  let name = parts.length > 0 ? String(parts[0]) : '';
  for (let i = 1; i < parts.length; i++) name += `\u0000${parts[i]}`;
  const hex = hash('sha1', name, 'hex');
  // The digest is lower-case hex: a digit's value is its code minus '0', a letter's its code minus 'a' plus 10.
  const nibble = hex.charCodeAt(16);
  const variant = VARIANT_NIBBLES[(nibble <= 0x39 ? nibble - 0x30 : nibble - 0x57) & 0x3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

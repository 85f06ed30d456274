import { createHash } from 'node:crypto';
import { nameBasedUuid } from './name-based-uuid';

/** The layout written out byte by byte (RFC 9562, section 5.5), as the ids stored so far were made. */
function byByteLayout(...parts: Array<string | number>): string {
  const bytes = Buffer.from(createHash('sha1').update(parts.map(String).join('\u0000')).digest().subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('nameBasedUuid', () => {
  it('keeps the ids already stored: fixed vectors', () => {
    expect(nameBasedUuid('a')).toBe('86f7e437-faa5-57fc-a15d-1ddcb9eaeaea');
    expect(nameBasedUuid('3f1c2d4e-1111-4222-8333-444455556666', 'message.read')).toBe('72b14339-7bf4-5ce2-ae8b-40da39d0dab1');
    expect(nameBasedUuid('chan', 42, 'delivered')).toBe('34896640-483b-5825-a063-5a299b602159');
    expect(nameBasedUuid('')).toBe('da39a3ee-5e6b-5b0d-b255-bfef95601890');
  });

  it('matches the byte-by-byte layout for any parts, with version 5 and the RFC variant', () => {
    for (let i = 0; i < 2_000; i++) {
      const parts = [Math.random().toString(36).slice(2), i, `wamid.${'x'.repeat(i % 97)}`, '\u0000é✓'];
      const id = nameBasedUuid(...parts);
      expect(id).toBe(byByteLayout(...parts));
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('gives different ids when only the split between parts differs', () => {
    expect(nameBasedUuid('ab', 'c')).not.toBe(nameBasedUuid('a', 'bc'));
  });
});

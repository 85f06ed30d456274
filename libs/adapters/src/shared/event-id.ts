import { createHash } from 'node:crypto';

/**
 * Deterministic event id: a name-based (version 5 style, SHA-1) UUID over the channel and
 * the provider's own identification of the event, so a provider's retry of the same call
 * yields the same id and can be recognised downstream.
 */
export function deterministicEventId(channelId: string, ...parts: Array<string | number>): string {
  const hash = createHash('sha1')
    .update([channelId, ...parts.map(String)].join('\u0000'))
    .digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

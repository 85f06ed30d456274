import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor';

describe('delivery cursor', () => {
  const cursor = { createdAt: '2026-03-01T10:20:30.123456Z', id: '0b6f8f8e-4c1a-4d6e-9a3b-2f1e0d9c8b7a' };

  it('reads back what it wrote, microseconds included, in URL-safe text', () => {
    const text = encodeDeliveryCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeDeliveryCursor(text)).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['no separator', Buffer.from('2026-03-01T10:20:30.123456Z').toString('base64url')],
    ['a millisecond time', Buffer.from(`2026-03-01T10:20:30.123Z|${cursor.id}`).toString('base64url')],
    ['an impossible date', Buffer.from(`2026-13-41T10:20:30.123456Z|${cursor.id}`).toString('base64url')],
    ['a day the month lacks', Buffer.from(`2026-02-30T10:20:30.123456Z|${cursor.id}`).toString('base64url')],
    ['not a uuid', Buffer.from('2026-03-01T10:20:30.123456Z|nope').toString('base64url')],
    ['a third part', Buffer.from(`2026-03-01T10:20:30.123456Z|${cursor.id}|x`).toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('refuses %s', (_label, text) => {
    expect(decodeDeliveryCursor(text)).toBeUndefined();
  });
});

import { ContactCache } from './contact-cache';

describe('ContactCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('remembers found contacts for the TTL and "no contact" for the shorter negative TTL', () => {
    const cache = new ContactCache({ ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 10 }, clock);
    cache.set('found', 'c0ffee00-0000-4000-8000-000000000001');
    cache.set('none', null);
    expect(cache.get('found')).toBe('c0ffee00-0000-4000-8000-000000000001');
    expect(cache.get('none')).toBeNull();
    expect(cache.get('never-asked')).toBeUndefined();

    now += 5_000;
    expect(cache.get('none')).toBeUndefined();
    expect(cache.get('found')).toBe('c0ffee00-0000-4000-8000-000000000001');
    now += 55_000;
    expect(cache.get('found')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new ContactCache({ ttlMs: 60_000, negativeTtlMs: 60_000, maxEntries: 2 }, clock);
    cache.set('a', null);
    cache.set('b', null);
    expect(cache.get('a')).toBeNull(); // a is now the most recently used
    cache.set('c', null);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeNull();
    expect(cache.get('c')).toBeNull();
  });

  it('remembers nothing when its TTL or size is zero', () => {
    const noTtl = new ContactCache({ ttlMs: 0, negativeTtlMs: 0, maxEntries: 10 }, clock);
    noTtl.set('a', 'x');
    expect(noTtl.get('a')).toBeUndefined();
    const noRoom = new ContactCache({ ttlMs: 1_000, negativeTtlMs: 1_000, maxEntries: 0 }, clock);
    noRoom.set('a', 'x');
    expect(noRoom.get('a')).toBeUndefined();
  });
});

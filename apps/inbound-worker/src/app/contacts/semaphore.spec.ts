import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('grants permits up to its size, then makes callers wait for a release, first come first served', async () => {
    const semaphore = new Semaphore(2);
    expect(await semaphore.acquire()).toBe(true);
    expect(await semaphore.acquire()).toBe(true);
    const granted: string[] = [];
    const third = semaphore.acquire().then((ok) => granted.push(`third:${ok}`));
    const fourth = semaphore.acquire().then((ok) => granted.push(`fourth:${ok}`));
    await Promise.resolve();
    expect(granted).toEqual([]);

    semaphore.release();
    await third;
    expect(granted).toEqual(['third:true']);
    semaphore.release();
    await fourth;
    expect(granted).toEqual(['third:true', 'fourth:true']);
  });

  it('gives up at the deadline without taking a permit', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    expect(await semaphore.acquire(Date.now() + 20)).toBe(false);
    expect(await semaphore.acquire(Date.now() - 1)).toBe(false);
    semaphore.release();
    expect(await semaphore.acquire(Date.now() + 20)).toBe(true);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });
});

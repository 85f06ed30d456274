import { retryDelays } from './retry-schedule';

describe('retryDelays', () => {
  it('doubles from the first delay and fills the window exactly', () => {
    const delays = retryDelays(2_000, 15 * 60_000);
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 390_000]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(900_000);
  });

  it('never shrinks: a short tail is merged into the last delay', () => {
    // 100 + 200 + 400 = 700; the remaining 50 joins the 400.
    expect(retryDelays(100, 750)).toEqual([100, 200, 450]);
  });

  it('gives a single delay when the window equals the first delay', () => {
    expect(retryDelays(500, 500)).toEqual([500]);
  });

  it('refuses nonsense', () => {
    expect(() => retryDelays(0, 100)).toThrow(RangeError);
    expect(() => retryDelays(200, 100)).toThrow(RangeError);
    expect(() => retryDelays(1.5, 100)).toThrow(RangeError);
  });
});

import { median } from './bench-figures';

describe('median', () => {
  it('is the middle value of an odd count and the mean of the middle two of an even one, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1.26, 0.97, 0.95, 1.07, 1, 0.94, 1.16, 1.12])).toBeCloseTo(1.035, 10);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('leaves the values it is given as they were', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

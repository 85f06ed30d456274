import { VerificationThrottle } from './verification-throttle';

describe('VerificationThrottle', () => {
  let nowMs = 0;
  const clock = () => nowMs;
  beforeEach(() => (nowMs = 1_000_000));

  it('lets the limit of failures through per window, then throttles that address until the window ends', () => {
    const throttle = new VerificationThrottle(3, 60_000, 100, clock);
    for (let i = 0; i < 3; i++) expect(throttle.recordFailure('10.0.0.1')).toEqual({ throttled: false });
    expect(throttle.recordFailure('10.0.0.1')).toEqual({ throttled: true, retryAfterSeconds: 60 });
    nowMs += 45_500;
    expect(throttle.recordFailure('10.0.0.1')).toEqual({ throttled: true, retryAfterSeconds: 15 });
    // Another address has a window of its own.
    expect(throttle.recordFailure('10.0.0.2')).toEqual({ throttled: false });
    nowMs += 14_500;
    expect(throttle.recordFailure('10.0.0.1')).toEqual({ throttled: false });
  });

  it('never throttles with a limit of 0', () => {
    const throttle = new VerificationThrottle(0, 60_000, 100, clock);
    for (let i = 0; i < 100; i++) expect(throttle.recordFailure('10.0.0.1').throttled).toBe(false);
  });

  it('forgets the oldest address past its bound, so memory stays bounded', () => {
    const throttle = new VerificationThrottle(1, 60_000, 2, clock);
    throttle.recordFailure('a');
    expect(throttle.recordFailure('a').throttled).toBe(true);
    throttle.recordFailure('b');
    throttle.recordFailure('c');
    // `a` was evicted when `c` arrived: it starts over.
    expect(throttle.recordFailure('a').throttled).toBe(false);
  });
});

import { DEFAULT_DELIVERY_SCHEDULE, nextAttemptDelayMs } from './delivery-schedule';

const HOUR = 3_600_000;
const middle = () => 0.5; // no jitter
const lowest = () => 0;
const highest = () => 1 - Number.EPSILON;

describe('nextAttemptDelayMs', () => {
  it('makes the first attempt at once', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 0, random: middle })).toBe(0);
  });

  it('follows the default schedule, 8 attempts in all', () => {
    const delays = Array.from({ length: 9 }, (_, attemptsMade) => nextAttemptDelayMs({ attemptsMade, random: middle }));
    expect(delays).toEqual([0, 5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR, null]);
  });

  it('moves each delay by at most 20 % either way', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 1, random: lowest })).toBe(4_000);
    expect(nextAttemptDelayMs({ attemptsMade: 1, random: highest })).toBe(6_000);
    expect(nextAttemptDelayMs({ attemptsMade: 2, random: () => 0.25 })).toBe(270_000);
  });

  it('stays within the jitter band and ends after max attempts, for any attempt and random draw', () => {
    const policies = [undefined, null, {}, { max_attempts: 3 }, { max_attempts: 20, backoff_ms: [1_000, 60_000] }, { backoff_ms: [0] }];
    for (const policy of policies) {
      const maxAttempts = policy?.max_attempts ?? DEFAULT_DELIVERY_SCHEDULE.maxAttempts;
      const backoff = policy?.backoff_ms ?? DEFAULT_DELIVERY_SCHEDULE.backoffMs;
      for (let attemptsMade = 0; attemptsMade <= 25; attemptsMade++) {
        for (let draw = 0; draw < 50; draw++) {
          const r = Math.random();
          const delay = nextAttemptDelayMs({ attemptsMade, policy, random: () => r });
          if (attemptsMade >= maxAttempts) {
            expect(delay).toBeNull();
            continue;
          }
          if (attemptsMade === 0) {
            expect(delay).toBe(0);
            continue;
          }
          const scheduled = backoff[Math.min(attemptsMade - 1, backoff.length - 1)];
          expect(delay).toBeGreaterThanOrEqual(Math.floor(scheduled * 0.8));
          expect(delay).toBeLessThanOrEqual(Math.ceil(scheduled * 1.2));
        }
      }
    }
  });

  it('takes max_attempts and backoff_ms from the policy, the last delay repeating', () => {
    const policy = { max_attempts: 5, backoff_ms: [1_000, 2_000] };
    const delays = Array.from({ length: 6 }, (_, attemptsMade) => nextAttemptDelayMs({ attemptsMade, policy, random: middle }));
    expect(delays).toEqual([0, 1_000, 2_000, 2_000, 2_000, null]);
  });

  it('fills what the policy leaves out from the default', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 2, policy: { max_attempts: 3 }, random: middle })).toBe(300_000);
    expect(nextAttemptDelayMs({ attemptsMade: 3, policy: { max_attempts: 3 }, random: middle })).toBeNull();
    expect(nextAttemptDelayMs({ attemptsMade: 7, policy: { backoff_ms: [60_000] }, random: middle })).toBe(60_000);
    expect(nextAttemptDelayMs({ attemptsMade: 8, policy: { backoff_ms: [60_000] }, random: middle })).toBeNull();
  });

  it('waits as long as Retry-After asks when that is longer than the schedule', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 7_000, random: middle })).toBe(7_000);
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 1_000, random: middle })).toBe(5_000);
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: null, random: middle })).toBe(5_000);
  });

  it('never waits longer than a day', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 30 * 24 * HOUR, random: middle })).toBe(24 * HOUR);
    expect(nextAttemptDelayMs({ attemptsMade: 1, policy: { backoff_ms: [24 * HOUR] }, random: highest })).toBe(24 * HOUR);
  });

  it('gives up regardless of Retry-After once the attempts are used', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 8, retryAfterMs: 1_000, random: middle })).toBeNull();
  });
});

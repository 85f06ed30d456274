/** Per-subscription override of the schedule; absent fields take the defaults (same shape as the stored `retry`). */
export interface DeliveryRetryPolicy {
  max_attempts?: number;
  /** Delay before each retry, in order; the last one repeats. */
  backoff_ms?: readonly number[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Attempt 1 at once, then retries spread over about a day and a half, so a receiver down overnight still gets the event. */
export const DEFAULT_DELIVERY_SCHEDULE = {
  maxAttempts: 8,
  backoffMs: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
  /** Each delay is moved up to this fraction either way, so retries of many deliveries do not arrive together. */
  jitter: 0.2,
  /** The longest wait, even when a Retry-After asks for more. */
  maxDelayMs: 24 * HOUR,
} as const;

export interface NextAttemptInput {
  /** Attempts already made (0 before the first). */
  attemptsMade: number;
  policy?: DeliveryRetryPolicy | null;
  /** What the last answer's Retry-After asked for. */
  retryAfterMs?: number | null;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
}

/** Milliseconds until the next attempt, or null when none is left (the delivery is dead). */
export function nextAttemptDelayMs({ attemptsMade, policy, retryAfterMs, random = Math.random }: NextAttemptInput): number | null {
  const defaults = DEFAULT_DELIVERY_SCHEDULE;
  const maxAttempts = policy?.max_attempts ?? defaults.maxAttempts;
  if (attemptsMade >= maxAttempts) return null;
  if (attemptsMade <= 0) return 0;
  const backoff = policy?.backoff_ms?.length ? policy.backoff_ms : defaults.backoffMs;
  const scheduled = backoff[Math.min(attemptsMade - 1, backoff.length - 1)];
  const jittered = Math.round(scheduled * (1 + defaults.jitter * (2 * random() - 1)));
  const asked = retryAfterMs != null && retryAfterMs > 0 ? retryAfterMs : 0;
  return Math.min(Math.max(jittered, asked), defaults.maxDelayMs);
}

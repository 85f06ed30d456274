/** Retry delays doubling from the first, the last trimmed so they add up to the window (defaults: nine retries). */
export function retryDelays(firstDelayMs = 2_000, totalWindowMs = 15 * 60_000): number[] {
  if (!Number.isInteger(firstDelayMs) || firstDelayMs < 1) {
    throw new RangeError('firstDelayMs must be a positive integer');
  }
  if (!Number.isInteger(totalWindowMs) || totalWindowMs < firstDelayMs) {
    throw new RangeError('totalWindowMs must be an integer no smaller than firstDelayMs');
  }
  const delays: number[] = [];
  let spent = 0;
  let next = firstDelayMs;
  while (spent < totalWindowMs) {
    const delay = Math.min(next, totalWindowMs - spent);
    // A tail shorter than the previous delay is merged into it, keeping delays growing.
    if (delays.length > 0 && delay < delays[delays.length - 1]) {
      delays[delays.length - 1] += delay;
    } else {
      delays.push(delay);
    }
    spent += delay;
    next *= 2;
  }
  return delays;
}

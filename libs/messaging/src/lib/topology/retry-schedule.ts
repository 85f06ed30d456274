/**
 * Delays for the delayed-retry path: doubling from the first delay, the last one trimmed
 * so that the delays add up to the whole window. With the defaults (2 s first, 15 min
 * window) that is 2, 4, 8, ... 256 s and a last wait of 390 s: nine retries.
 */
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

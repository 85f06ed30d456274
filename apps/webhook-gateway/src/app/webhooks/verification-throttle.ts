interface Window {
  startedMs: number;
  failures: number;
}

/** The verdict on one more failed verification from an address. */
export type ThrottleVerdict = { throttled: false } | { throttled: true; retryAfterSeconds: number };

/** docs/GATEWAY.md, "Failed verifications". A correct guess still verifies: secrets must be long enough. */
export class VerificationThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxAddresses = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  recordFailure(address: string): ThrottleVerdict {
    if (this.limit === 0) return { throttled: false };
    const nowMs = this.now();
    let window = this.windows.get(address);
    if (!window || nowMs - window.startedMs >= this.windowMs) {
      this.windows.delete(address);
      if (this.windows.size >= this.maxAddresses) {
        const oldest = this.windows.keys().next();
        if (!oldest.done) this.windows.delete(oldest.value);
      }
      window = { startedMs: nowMs, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures += 1;
    if (window.failures <= this.limit) return { throttled: false };
    return { throttled: true, retryAfterSeconds: Math.max(1, Math.ceil((window.startedMs + this.windowMs - nowMs) / 1000)) };
  }
}

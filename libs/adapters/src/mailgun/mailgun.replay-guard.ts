/**
 * Tokens of recently accepted Mailgun calls, so the same signed call is accepted once.
 *
 * Per process: each gateway replica remembers only what it saw itself, so a replay that
 * lands on another replica passes here. The deterministic event_id still lets the status
 * worker recognise it; this guard only narrows the window cheaply.
 */
export class MailgunReplayGuard {
  /** token → the time (ms) after which the timestamp check alone rejects a replay. Insertion order ≈ expiry order. */
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

  /** True when the token belongs to a call accepted earlier and its lifetime has not ended. */
  seen(token: string, nowMs: number): boolean {
    this.forgetExpired(nowMs);
    const known = this.expiries.get(token);
    return known !== undefined && known > nowMs;
  }

  remember(token: string, expiresAtMs: number, nowMs: number): void {
    this.forgetExpired(nowMs);
    this.expiries.delete(token);
    if (this.expiries.size >= this.maxEntries) {
      // Full of live tokens: the oldest goes first; its replay window is almost closed anyway.
      const oldest = this.expiries.keys().next();
      if (!oldest.done) this.expiries.delete(oldest.value);
    }
    this.expiries.set(token, expiresAtMs);
  }

  get size(): number {
    return this.expiries.size;
  }

  private forgetExpired(nowMs: number): void {
    for (const [token, expiresAt] of this.expiries) {
      if (expiresAt > nowMs) break;
      this.expiries.delete(token);
    }
  }
}

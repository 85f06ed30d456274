/** Per process, so it only narrows the replay window cheaply: the deterministic event_id catches the rest. */
export class MailgunReplayGuard {
  /** token → the time (ms) after which the timestamp check alone rejects a replay. Insertion order ≈ expiry order. */
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

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

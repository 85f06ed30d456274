/** After `failureThreshold` consecutive failures, refuses calls for `openMs`, then lets one trial call through. */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt?: number;
  private trialInFlight = false;

  constructor(
    private readonly options: { failureThreshold: number; openMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half_open' {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt < this.options.openMs ? 'open' : 'half_open';
  }

  /** True when a call may go ahead now; the caller then reports its success or failure. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failed(): void {
    this.consecutiveFailures += 1;
    this.trialInFlight = false;
    if (this.consecutiveFailures >= this.options.failureThreshold) this.openedAt = this.now();
  }
}

/** The longest an open circuit waits before its next probe. */
export const MAX_CIRCUIT_OPEN_MS = 10 * 60_000;

export interface CircuitSettings {
  /** Failed attempts in a row that open the circuit. */
  failureThreshold: number;
  /** First wait before a probe; doubles after each failed probe, up to MAX_CIRCUIT_OPEN_MS. */
  openMs: number;
}

/**
 * One subscription's circuit: closed lets every attempt through; open lets none until its time is up; then one attempt
 * (the probe) decides: a success closes it, a failure opens it again for twice as long.
 */
export class EndpointCircuit {
  private failures = 0;
  private openUntil = 0;
  private openFor: number;
  private probing = false;

  constructor(
    private readonly settings: CircuitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.openFor = settings.openMs;
  }

  get isOpen(): boolean {
    return this.openUntil > 0 && (this.now() < this.openUntil || this.probing);
  }

  /** Closed with no failure counted: forgetting it loses nothing. */
  get isAtRest(): boolean {
    return this.openUntil === 0 && this.failures === 0;
  }

  /** When a probe may go (0 when closed). */
  get reopensAt(): number {
    return this.openUntil;
  }

  /** Whether an attempt may start now; the first one after the open time is the probe, alone. */
  tryAcquire(): boolean {
    if (this.openUntil === 0) return true;
    if (this.probing || this.now() < this.openUntil) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.probing = false;
    this.openFor = this.settings.openMs;
  }

  failed(): void {
    if (this.probing) {
      this.probing = false;
      this.openFor = Math.min(this.openFor * 2, MAX_CIRCUIT_OPEN_MS);
      this.openUntil = this.now() + this.openFor;
      return;
    }
    if (this.openUntil > 0) return; // an attempt started before the circuit opened
    this.failures += 1;
    if (this.failures >= this.settings.failureThreshold) this.openUntil = this.now() + this.openFor;
  }
}

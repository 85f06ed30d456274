/** First come, first served, with a deadline: bounds look-ups in flight so a burst of senders cannot open hundreds of connections. */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<{ grant: () => void; timer?: NodeJS.Timeout }> = [];

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError('permits must be a positive integer');
    this.available = permits;
  }

  /** Resolves true with a permit (give it back with `release`), or false at the deadline. */
  acquire(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve(true);
    }
    const waitMs = deadline - Date.now();
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry: { grant: () => void; timer?: NodeJS.Timeout } = { grant: () => resolve(true) };
      if (Number.isFinite(waitMs)) {
        entry.timer = setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          resolve(false);
        }, waitMs);
      }
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.grant(); // the permit passes straight on
    } else {
      this.available += 1;
    }
  }
}

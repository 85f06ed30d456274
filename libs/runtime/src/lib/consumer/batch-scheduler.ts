export interface BatchSchedulerOptions<T> {
  maxBatchSize: number;
  maxConcurrentBatches: number;
  /**
   * While the scheduler is busy (a batch runs, or one began less than this long ago), a new batch waits up to this long
   * after its first item for more, unless a full batch is waiting: under load, fewer and larger transactions; after a
   * quiet spell, no wait at all. Default 0.
   */
  busyLingerMs?: number;
  /** Handles one batch; should settle every item itself. */
  handle: (batch: T[]) => Promise<void>;
  /** Called when `handle` rejects (a bug: the handler is meant to settle every item). */
  onError: (error: unknown, batch: T[]) => void;
}

/** No timer: a batch starts when a slot is free and takes everything waiting, so batches grow with the load. */
export class BatchScheduler<T> {
  private pending: T[] = [];
  private running = 0;
  private flushScheduled = false;
  private idleWaiters: Array<() => void> = [];
  /** When the oldest waiting item arrived (performance.now(): a clock that never steps back). */
  private firstWaitingAt = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** When the last batch began (performance.now(): a clock that never steps back). */
  private lastStartedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: BatchSchedulerOptions<T>) {
    if (options.maxBatchSize < 1 || options.maxConcurrentBatches < 1) throw new RangeError('batch size and concurrency must be at least 1');
  }

  get waiting(): number {
    return this.pending.length;
  }

  get inFlight(): number {
    return this.running;
  }

  add(item: T): void {
    if (this.pending.length === 0) this.firstWaitingAt = performance.now();
    this.pending.push(item);
    this.scheduleFlush();
  }

  /** Drops waiting items (not those already in a batch) that match; returns how many. */
  discard(predicate: (item: T) => boolean): number {
    const before = this.pending.length;
    this.pending = this.pending.filter((item) => !predicate(item));
    this.notifyIfIdle();
    return before - this.pending.length;
  }

  /** Resolves once nothing waits and no batch runs; waiting items are flushed meanwhile. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.scheduleFlush();
    return idle;
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.running === 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.options.maxConcurrentBatches && this.pending.length > 0) {
      if (this.lingering()) return;
      const batch = this.pending.splice(0, this.options.maxBatchSize);
      this.lastStartedAt = performance.now();
      if (this.pending.length > 0) this.firstWaitingAt = this.lastStartedAt;
      this.running += 1;
      this.options
        .handle(batch)
        .catch((error: unknown) => this.options.onError(error, batch))
        .finally(() => {
          this.running -= 1;
          if (this.pending.length > 0) this.scheduleFlush();
          this.notifyIfIdle();
        });
    }
  }

  /** True while the next batch should wait for more items; a timer then flushes when the wait is over. */
  private lingering(): boolean {
    const lingerMs = this.options.busyLingerMs ?? 0;
    if (lingerMs <= 0 || this.pending.length >= this.options.maxBatchSize) return false;
    const now = performance.now();
    // Not busy: the last batch finished and began long enough ago that nothing suggests more is on its way.
    if (this.running === 0 && now - this.lastStartedAt >= lingerMs) return false;
    const wait = this.firstWaitingAt + lingerMs - now;
    if (wait <= 0) return false;
    this.lingerTimer ??= setTimeout(() => {
      this.lingerTimer = undefined;
      this.flush();
    }, wait);
    return true;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

export interface GroupCommitOptions {
  /** Most items handed to one `processBatch` call. */
  maxBatchSize: number;
  /** Batches processed at once; while they run, new items gather for the next one. */
  maxConcurrentBatches: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items that arrive together are processed together. Nothing waits on a
 * timer: a batch starts as soon as a slot is free, with everything that arrived in the
 * meantime (up to maxBatchSize). Under a trickle each item goes alone and at once; under
 * load batches grow to what arrives while the previous ones run, up to the prefetch window.
 *
 * `add` resolves with the item's own result, so each delivery is acked or rejected alone.
 */
export class GroupCommitBatcher<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private running = 0;
  private startScheduled = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly processBatch: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** True while items wait or a batch runs. */
  get busy(): boolean {
    return this.waiting.length > 0 || this.running > 0;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.startScheduled) return;
      this.startScheduled = true;
      // Deliveries read from one socket chunk arrive in the same tick: let them all join.
      setImmediate(() => {
        this.startScheduled = false;
        this.startBatches();
      });
    });
  }

  /** Resolves once nothing is waiting or running (used on shutdown, after consuming stopped). */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.running > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private startBatches(): void {
    while (this.waiting.length > 0 && this.running < this.options.maxConcurrentBatches) {
      const batch = this.waiting.splice(0, this.options.maxBatchSize);
      this.running += 1;
      void this.run(batch);
    }
  }

  private async run(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.processBatch(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.running -= 1;
      this.startBatches();
      if (this.waiting.length === 0 && this.running === 0) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    }
  }
}

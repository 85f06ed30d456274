import { BatchScheduler } from './batch-scheduler';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A handler whose batches finish when the test says so. */
function controlledHandler() {
  const batches: number[][] = [];
  const finishers: Array<() => void> = [];
  const handle = (batch: number[]) => {
    batches.push(batch);
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  // Two turns: one for the batch's settlement, one for the flush it schedules.
  const finishNext = async () => {
    finishers.shift()?.();
    await turn();
    await turn();
  };
  return { batches, handle, finishNext };
}

describe('BatchScheduler', () => {
  it('hands a lone item over at once, and groups items of one I/O turn', async () => {
    const { batches, handle } = controlledHandler();
    const scheduler = new BatchScheduler<number>({ maxBatchSize: 10, maxConcurrentBatches: 2, handle, onError: () => undefined });
    scheduler.add(1);
    await turn();
    expect(batches).toEqual([[1]]);
    for (const n of [2, 3, 4]) scheduler.add(n);
    await turn();
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('runs at most maxConcurrentBatches; what waits meanwhile becomes the next batch, cut at maxBatchSize', async () => {
    const { batches, handle, finishNext } = controlledHandler();
    const scheduler = new BatchScheduler<number>({ maxBatchSize: 3, maxConcurrentBatches: 2, handle, onError: () => undefined });
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) scheduler.add(n);
    await turn();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(scheduler.waiting).toBe(2);
    await finishNext();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
    expect(scheduler.inFlight).toBe(2);
  });

  describe('with busyLingerMs', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    const lingering = (maxBatchSize: number) => {
      const handler = controlledHandler();
      const scheduler = new BatchScheduler<number>({
        maxBatchSize,
        maxConcurrentBatches: 2,
        busyLingerMs: 1_000,
        handle: handler.handle,
        onError: () => undefined,
      });
      return { ...handler, scheduler };
    };

    it('while a batch runs, waits that long after the first waiting item, then takes everything that came', async () => {
      const { batches, scheduler } = lingering(10);
      scheduler.add(1);
      await turn();
      expect(batches).toEqual([[1]]);
      scheduler.add(2);
      scheduler.add(3);
      await turn();
      jest.advanceTimersByTime(999);
      scheduler.add(4);
      await turn();
      expect(batches).toEqual([[1]]);
      jest.advanceTimersByTime(1);
      await turn();
      expect(batches).toEqual([[1], [2, 3, 4]]);
    });

    it('waits while a batch runs, however long ago it began', async () => {
      const { batches, scheduler } = lingering(10);
      scheduler.add(1);
      await turn();
      jest.advanceTimersByTime(5_000);
      scheduler.add(2);
      await turn();
      expect(batches).toEqual([[1]]);
      jest.advanceTimersByTime(1_000);
      await turn();
      expect(batches).toEqual([[1], [2]]);
    });

    it('does not wait for a full batch', async () => {
      const full = lingering(3);
      full.scheduler.add(1);
      await turn();
      for (const n of [2, 3, 4]) full.scheduler.add(n);
      await turn();
      expect(full.batches).toEqual([[1], [2, 3, 4]]);
    });

    it('still waits when the running batch finishes first, if it began within the linger', async () => {
      const { batches, scheduler, finishNext } = lingering(10);
      scheduler.add(1);
      await turn();
      jest.advanceTimersByTime(400);
      scheduler.add(2);
      await turn();
      await finishNext();
      // Batch [1] began 400 ms ago: a burst may be going on, so [2] waits out its own linger.
      expect(batches).toEqual([[1]]);
      jest.advanceTimersByTime(499);
      scheduler.add(3);
      await turn();
      expect(batches).toEqual([[1]]);
      jest.advanceTimersByTime(500);
      await turn();
      expect(batches).toEqual([[1]]);
      jest.advanceTimersByTime(1);
      await turn();
      expect(batches).toEqual([[1], [2, 3]]);
    });

    it('hands an item over at once after a quiet spell', async () => {
      const { batches, scheduler, finishNext } = lingering(10);
      scheduler.add(1);
      await turn();
      await finishNext();
      jest.advanceTimersByTime(1_000);
      scheduler.add(2);
      await turn();
      expect(batches).toEqual([[1], [2]]);
    });
  });

  it('whenIdle resolves only after every waiting and running batch has finished', async () => {
    const { handle, finishNext } = controlledHandler();
    const scheduler = new BatchScheduler<number>({ maxBatchSize: 2, maxConcurrentBatches: 1, handle, onError: () => undefined });
    for (const n of [1, 2, 3]) scheduler.add(n);
    let idle = false;
    const whenIdle = scheduler.whenIdle().then(() => (idle = true));
    await turn();
    await finishNext();
    expect(idle).toBe(false);
    await finishNext();
    await whenIdle;
    expect(idle).toBe(true);
    await expect(scheduler.whenIdle()).resolves.toBeUndefined();
  });

  it('discards waiting items that match, never those already handed over', async () => {
    const { batches, handle, finishNext } = controlledHandler();
    const scheduler = new BatchScheduler<number>({ maxBatchSize: 2, maxConcurrentBatches: 1, handle, onError: () => undefined });
    for (const n of [1, 2, 3, 4, 5]) scheduler.add(n);
    await turn();
    expect(scheduler.discard((n) => n % 2 === 1)).toBe(2);
    await finishNext();
    expect(batches).toEqual([[1, 2], [4]]);
  });

  it('reports a handler that rejects, and carries on', async () => {
    const errors: unknown[] = [];
    const seen: number[][] = [];
    const scheduler = new BatchScheduler<number>({
      maxBatchSize: 5,
      maxConcurrentBatches: 1,
      handle: async (batch) => {
        seen.push(batch);
        if (batch.includes(1)) throw new Error('boom');
      },
      onError: (error, batch) => errors.push([(error as Error).message, batch]),
    });
    scheduler.add(1);
    await scheduler.whenIdle();
    scheduler.add(2);
    await scheduler.whenIdle();
    expect(errors).toEqual([['boom', [1]]]);
    expect(seen).toEqual([[1], [2]]);
  });
});

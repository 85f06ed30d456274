import { GroupCommitBatcher } from './group-commit.batcher';

/** A batch processor whose batches finish when the test says so. */
function controllableProcessor() {
  const batches: Array<{ items: number[]; finish: () => void; fail: (error: Error) => void }> = [];
  const process = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: () => resolve(items.map((item) => `done ${item}`)), fail: reject });
    });
  return { batches, process };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitBatcher', () => {
  it('starts a batch at once with what arrived in the same tick, and gathers the rest while batches run', async () => {
    const { batches, process } = controllableProcessor();
    const batcher = new GroupCommitBatcher(process, { maxBatchSize: 100, maxConcurrentBatches: 1 });
    const first = [1, 2, 3].map((item) => batcher.add(item));
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2, 3]]);

    const later = [4, 5].map((item) => batcher.add(item));
    await settle();
    expect(batches).toHaveLength(1); // the only slot is busy: 4 and 5 wait together

    batches[0].finish();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2', 'done 3']);
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2, 3], [4, 5]]);
    batches[1].finish();
    expect(await Promise.all(later)).toEqual(['done 4', 'done 5']);
  });

  it('splits what waits into batches of at most maxBatchSize and runs up to maxConcurrentBatches', async () => {
    const { batches, process } = controllableProcessor();
    const batcher = new GroupCommitBatcher(process, { maxBatchSize: 2, maxConcurrentBatches: 2 });
    const results = [1, 2, 3, 4, 5].map((item) => batcher.add(item));
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2], [3, 4]]);
    batches[1].finish();
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2], [3, 4], [5]]);
    batches[0].finish();
    batches[2].finish();
    expect(await Promise.all(results)).toHaveLength(5);
  });

  it('rejects every item of a batch whose processing throws', async () => {
    const { batches, process } = controllableProcessor();
    const batcher = new GroupCommitBatcher(process, { maxBatchSize: 10, maxConcurrentBatches: 1 });
    const results = [1, 2].map((item) => batcher.add(item));
    await settle();
    batches[0].fail(new Error('bug'));
    await expect(Promise.all(results.map((result) => result.catch((error: Error) => error.message)))).resolves.toEqual(['bug', 'bug']);
  });

  it('drain waits for everything waiting and running', async () => {
    const { batches, process } = controllableProcessor();
    const batcher = new GroupCommitBatcher(process, { maxBatchSize: 1, maxConcurrentBatches: 1 });
    void batcher.add(1);
    void batcher.add(2);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    await settle();
    expect(batcher.busy).toBe(true);
    batches[0].finish();
    await settle();
    expect(drained).toBe(false);
    batches[1].finish();
    await draining;
    expect(batcher.busy).toBe(false);
    await batcher.drain(); // idle: resolves at once
  });
});

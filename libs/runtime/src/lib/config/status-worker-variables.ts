import type { WorkerDefaults } from './worker-config';

/** PREFETCH_COUNT 2000: batches of up to 1000 (half the window) cost less per event (docs/STATUS-WORKER.md, "Benchmark"). */
export const STATUS_WORKER_DEFAULTS: WorkerDefaults = { healthPort: 3001, prefetchCount: 2_000 };

import type { WorkerDefaults } from './worker-config';

/**
 * PREFETCH_COUNT 2000: batches of up to 1000 events (half the window: statusBatchSize in apps/status-worker);
 * larger batches cost PostgreSQL and RabbitMQ less per event (docs/STATUS-WORKER.md has the figures).
 */
export const STATUS_WORKER_DEFAULTS: WorkerDefaults = { healthPort: 3001, prefetchCount: 2_000 };

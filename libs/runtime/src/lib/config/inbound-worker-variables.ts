import type { EnvVariables } from './env-variable';
import type { WorkerDefaults } from './worker-config';

/** PREFETCH_COUNT 2000: larger batches keep the worker above 10,000 events/s (docs/INBOUND-WORKER.md, "Benchmark"). */
export const INBOUND_WORKER_DEFAULTS: WorkerDefaults = { healthPort: 3002, prefetchCount: 2_000 };

/** How the inbound-worker asks the account service for a sender's contact. */
export const CONTACT_LOOKUP_VARIABLES = {
  baseUrl: {
    name: 'ACCOUNT_API_URL',
    kind: 'url',
    schemes: ['http', 'https'],
    meaning:
      'contact look-up: `GET <ACCOUNT_API_URL>/contacts/lookup?account_id=<uuid>&address=<sender>`, 200 `{"id":"<uuid>"}` sets `contact_id`, 404 means none; unset: no look-ups, `contact_id` stays NULL',
  },
  timeoutMs: {
    name: 'CONTACT_LOOKUP_TIMEOUT_MS',
    kind: 'integer',
    default: 1_000,
    min: 10,
    max: 60_000,
    meaning: "one look-up's deadline; also the most a batch waits for its look-ups",
  },
  concurrency: {
    name: 'CONTACT_LOOKUP_CONCURRENCY',
    kind: 'integer',
    default: 16,
    min: 1,
    max: 256,
    meaning: 'look-ups in flight, across all batches',
  },
  cacheTtlMs: {
    name: 'CONTACT_CACHE_TTL_MS',
    kind: 'integer',
    default: 5 * 60_000,
    min: 0,
    max: 24 * 3_600_000,
    meaning: 'how long a found contact is remembered ("not found": the smaller of this and 60 s)',
  },
  cacheMaxEntries: {
    name: 'CONTACT_CACHE_MAX_ENTRIES',
    kind: 'integer',
    default: 50_000,
    min: 0,
    max: 10_000_000,
    meaning: 'cache size, least recently used out first; 0 disables it',
  },
} as const satisfies EnvVariables;

import { EnvReader, readWorkerConfig, type WorkerConfig } from '@inbound/runtime';

/** How the worker asks the account service for a sender's contact (docs/CONTRACTS.md, ACCOUNT_API_URL). */
export interface ContactLookupSettings {
  /** ACCOUNT_API_URL: `GET <baseUrl>/contacts/lookup?account_id=…&address=…`. */
  baseUrl: string;
  /** One look-up's deadline; also the most a batch waits for its look-ups. */
  timeoutMs: number;
  /** Look-ups in flight at once, across all batches. */
  concurrency: number;
  /** How long a found contact is remembered. */
  cacheTtlMs: number;
  /** How long "no contact" is remembered: shorter, so a newly created contact shows up soon. */
  negativeCacheTtlMs: number;
  /** Most (account, address) pairs remembered; the least recently used go first. */
  cacheMaxEntries: number;
}

export interface InboundWorkerConfig extends WorkerConfig {
  /** Absent when ACCOUNT_API_URL is unset: messages are stored without a contact. */
  contactLookup?: ContactLookupSettings;
}

// A wider prefetch window than the shared 200: inbound rows are cheap to insert, and larger
// batches keep the worker above 10,000 events/s (docs/INBOUND-WORKER.md, benchmark).
export const INBOUND_WORKER_DEFAULTS = { healthPort: 3002, prefetchCount: 2_000 } as const;

/**
 * The worker settings both workers share, plus the contact look-up. A bad value throws a
 * ConfigError naming the variable (one line at start, exit 1).
 */
export function readInboundWorkerConfig(source: NodeJS.ProcessEnv): InboundWorkerConfig {
  const base = readWorkerConfig(source, INBOUND_WORKER_DEFAULTS);
  const env = new EnvReader(source);
  const baseUrl = env.optionalUrl('ACCOUNT_API_URL', ['http', 'https']);
  // Read even without ACCOUNT_API_URL, so a typo fails at start rather than when enabled.
  const timeoutMs = env.integer('CONTACT_LOOKUP_TIMEOUT_MS', 1_000, 10, 60_000);
  const concurrency = env.integer('CONTACT_LOOKUP_CONCURRENCY', 16, 1, 256);
  const cacheTtlMs = env.integer('CONTACT_CACHE_TTL_MS', 5 * 60_000, 0, 24 * 3_600_000);
  const cacheMaxEntries = env.integer('CONTACT_CACHE_MAX_ENTRIES', 50_000, 0, 10_000_000);
  if (baseUrl === undefined) return base;
  return {
    ...base,
    contactLookup: {
      baseUrl,
      timeoutMs,
      concurrency,
      cacheTtlMs,
      negativeCacheTtlMs: Math.min(cacheTtlMs, 60_000),
      cacheMaxEntries,
    },
  };
}

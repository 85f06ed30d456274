import {
  CONTACT_LOOKUP_VARIABLES,
  EnvReader,
  INBOUND_WORKER_DEFAULTS,
  readVariables,
  readWorkerConfig,
  type ValuesOf,
  type WorkerConfig,
} from '@inbound/runtime';

/** How the worker asks the account service for a sender's contact (docs/CONTRACTS.md, ACCOUNT_API_URL). */
export interface ContactLookupSettings extends ValuesOf<Omit<typeof CONTACT_LOOKUP_VARIABLES, 'baseUrl'>> {
  /** ACCOUNT_API_URL: `GET <baseUrl>/contacts/lookup?account_id=…&address=…`. */
  baseUrl: string;
  /** How long "no contact" is remembered: shorter, so a newly created contact shows up soon. */
  negativeCacheTtlMs: number;
}

export interface InboundWorkerConfig extends WorkerConfig {
  /** Absent when ACCOUNT_API_URL is unset: messages are stored without a contact. */
  contactLookup?: ContactLookupSettings;
}

/** A bad value throws a ConfigError naming the variable (one line at start, exit 1). */
export function readInboundWorkerConfig(source: NodeJS.ProcessEnv): InboundWorkerConfig {
  const base = readWorkerConfig(source, INBOUND_WORKER_DEFAULTS);
  // All read even without ACCOUNT_API_URL, so a typo fails at start rather than when enabled.
  const { baseUrl, ...lookup } = readVariables(new EnvReader(source), CONTACT_LOOKUP_VARIABLES);
  if (baseUrl === undefined) return base;
  return { ...base, contactLookup: { baseUrl, ...lookup, negativeCacheTtlMs: Math.min(lookup.cacheTtlMs, 60_000) } };
}

import { readCredentialsKeys, type CredentialsKeys } from './credentials-keys';
import { EnvReader } from './env-reader';
import { readVariables, type EnvVariables, type ValuesOf } from './env-variable';
import { OUTBOUND_DESTINATION_VARIABLES } from './gateway-variables';
import { readWorkerConfig, type WorkerConfig, type WorkerDefaults } from './worker-config';

/** Outbound events are small and each becomes HTTP calls: a smaller window than the status worker's. */
export const EVENT_DISPATCHER_DEFAULTS: WorkerDefaults = { healthPort: 3004, prefetchCount: 500 };

/** The relay from the outbox to `platform.events`, and the delivery of subscriber webhooks (docs/OUTBOUND.md). */
export const EVENT_DISPATCHER_VARIABLES = {
  deliveryTimeoutMs: {
    name: 'DELIVERY_TIMEOUT_MS',
    kind: 'integer',
    default: 10_000,
    min: 100,
    max: 60_000,
    meaning: 'deadline of one delivery attempt, connect to the last byte read; after it the attempt is a `timeout`',
  },
  concurrency: {
    name: 'DELIVERY_CONCURRENCY',
    kind: 'integer',
    default: 256,
    min: 1,
    max: 10_000,
    meaning: 'delivery attempts in flight in this process, all subscriptions together',
  },
  subscriptionConcurrency: {
    name: 'DELIVERY_SUBSCRIPTION_CONCURRENCY',
    kind: 'integer',
    // One endpoint's rate is about this divided by its answer time: 16 at 30 ms is some 500 events/s.
    default: 16,
    min: 1,
    max: 1_000,
    meaning: 'delivery attempts in flight to one subscription: a slow endpoint holds at most this many',
  },
  circuitFailureThreshold: {
    name: 'DELIVERY_CIRCUIT_FAILURES',
    kind: 'integer',
    default: 5,
    min: 1,
    max: 1_000,
    meaning: 'failed attempts in a row that open a subscription’s circuit: no attempts until a probe succeeds',
  },
  circuitOpenMs: {
    name: 'DELIVERY_CIRCUIT_OPEN_MS',
    kind: 'integer',
    default: 30_000,
    min: 10,
    max: 3_600_000,
    meaning: 'first wait before a probe of an open circuit; it doubles after each failed probe, up to 10 minutes',
  },
  pollIntervalMs: {
    name: 'DELIVERY_POLL_MS',
    kind: 'integer',
    default: 1_000,
    min: 10,
    max: 60_000,
    meaning: 'how often due retries (and deliveries a stopped process held) are claimed',
  },
  outboxPollMs: {
    name: 'OUTBOX_POLL_MS',
    kind: 'integer',
    // An idle poll is one index probe of an empty partial index; 25 ms keeps it out of the latency.
    default: 25,
    min: 5,
    max: 60_000,
    meaning: 'how often the relay looks for new outbox rows when the last look found less than a batch',
  },
  outboxBatchSize: {
    name: 'OUTBOX_BATCH_SIZE',
    kind: 'integer',
    default: 500,
    min: 1,
    max: 10_000,
    meaning: 'outbox rows published per relay transaction',
  },
  outboxRetentionHours: {
    name: 'OUTBOX_RETENTION_HOURS',
    kind: 'integer',
    default: 72,
    min: 24,
    max: 24 * 365,
    meaning: 'published outbox rows are deleted after this (the realtime stream replays from them)',
  },
  deliveryLogRetentionDays: {
    name: 'DELIVERY_LOG_RETENTION_DAYS',
    kind: 'integer',
    default: 30,
    min: 1,
    max: 3_650,
    meaning: 'finished deliveries (succeeded or dead) and their attempts are deleted this long after their last change; open ones are kept',
  },
} as const satisfies EnvVariables;

export type EventDispatcherConfig = WorkerConfig &
  ValuesOf<typeof EVENT_DISPATCHER_VARIABLES> &
  ValuesOf<typeof OUTBOUND_DESTINATION_VARIABLES> & { credentialsKeys: CredentialsKeys };

export function readEventDispatcherConfig(source: NodeJS.ProcessEnv): EventDispatcherConfig {
  const env = new EnvReader(source);
  const worker = readWorkerConfig(source, EVENT_DISPATCHER_DEFAULTS);
  return {
    ...worker,
    ...readVariables(env, EVENT_DISPATCHER_VARIABLES),
    ...readVariables(env, OUTBOUND_DESTINATION_VARIABLES),
    credentialsKeys: readCredentialsKeys(env, worker.nodeEnv),
  };
}

import { readCommonConfig, type CommonConfig } from './common-config';
import { ConfigError, EnvReader } from './env-reader';
import { readVariables, type EnvVariables, type ValuesOf } from './env-variable';

export interface WorkerDefaults {
  healthPort: number;
  prefetchCount: number;
}

export function workerVariables(defaults: WorkerDefaults) {
  return {
    healthPort: {
      name: 'HEALTH_PORT',
      kind: 'integer',
      default: defaults.healthPort,
      min: 0,
      max: 65535,
      meaning: '`/health/live`, `/health/ready`, `/metrics` (0: any free port); only `GET` (else 405)',
    },
    prefetchCount: {
      name: 'PREFETCH_COUNT',
      kind: 'integer',
      default: defaults.prefetchCount,
      min: 1,
      max: 10_000,
      meaning: 'unacknowledged deliveries held; also bounds a batch (status-worker: half of it, inbound-worker: all of it)',
    },
    retryFirstDelayMs: {
      name: 'RETRY_FIRST_DELAY_MS',
      kind: 'integer',
      default: 2_000,
      min: 10,
      max: 3_600_000,
      meaning: 'first delay of the retry path; later ones double',
    },
    retryWindowMs: {
      name: 'RETRY_WINDOW_MS',
      kind: 'integer',
      default: 15 * 60_000,
      min: 10,
      max: 7 * 24 * 3_600_000,
      constraint: 'at least `RETRY_FIRST_DELAY_MS`',
      meaning: 'total time in the retry path before dead-lettering',
    },
    databasePoolSize: {
      name: 'DATABASE_POOL_SIZE',
      kind: 'integer',
      default: 10,
      min: 1,
      max: 200,
      meaning: 'PostgreSQL connections this process may hold',
    },
    pauseHoldLimitMs: {
      name: 'PAUSE_HOLD_LIMIT_MS',
      kind: 'integer',
      default: 5 * 60_000,
      // Under the broker's consumer timeout (30 min by default), which would close the channel.
      min: 100,
      max: 25 * 60_000,
      meaning: 'while PostgreSQL is away, how long held deliveries stay unacked before they are put back at the tail of their queue',
    },
  } as const satisfies EnvVariables;
}

export type WorkerConfig = CommonConfig & ValuesOf<ReturnType<typeof workerVariables>>;

export function readWorkerConfig(source: NodeJS.ProcessEnv, defaults: WorkerDefaults): WorkerConfig {
  const env = new EnvReader(source);
  const variables = workerVariables(defaults);
  const config: WorkerConfig = { ...readCommonConfig(env), ...readVariables(env, variables) };
  if (config.retryWindowMs < config.retryFirstDelayMs) {
    throw new ConfigError(variables.retryWindowMs.name, `must be at least ${variables.retryFirstDelayMs.name}`);
  }
  return config;
}

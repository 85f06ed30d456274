import { readCommonConfig, type CommonConfig } from './common-config';
import { ConfigError, EnvReader } from './env-reader';

/** Settings both workers read. */
export interface WorkerConfig extends CommonConfig {
  /** Port of the small HTTP server with /health/live, /health/ready and /metrics. */
  healthPort: number;
  /** Messages held unacknowledged at once; also the largest batch applied in one transaction. */
  prefetchCount: number;
  /** First delay of the retry path; later ones double. */
  retryFirstDelayMs: number;
  /** Total time a message may spend in the retry path before it is dead-lettered. */
  retryWindowMs: number;
  /** PostgreSQL connections this process may hold. */
  databasePoolSize: number;
  /**
   * While the database is away, deliveries in hand stay unacked this long, then go back to the
   * queue as new messages; under the broker's consumer timeout (30 min by default).
   */
  pauseHoldLimitMs: number;
}

/** `defaults.prefetchCount` lets a worker choose its own default PREFETCH_COUNT (else 200). */
export function readWorkerConfig(source: NodeJS.ProcessEnv, defaults: { healthPort: number; prefetchCount?: number }): WorkerConfig {
  const env = new EnvReader(source);
  const config: WorkerConfig = {
    ...readCommonConfig(env),
    healthPort: env.integer('HEALTH_PORT', defaults.healthPort, 0, 65535),
    prefetchCount: env.integer('PREFETCH_COUNT', defaults.prefetchCount ?? 200, 1, 10_000),
    retryFirstDelayMs: env.integer('RETRY_FIRST_DELAY_MS', 2_000, 10, 3_600_000),
    retryWindowMs: env.integer('RETRY_WINDOW_MS', 15 * 60_000, 10, 7 * 24 * 3_600_000),
    databasePoolSize: env.integer('DATABASE_POOL_SIZE', 10, 1, 200),
    pauseHoldLimitMs: env.integer('PAUSE_HOLD_LIMIT_MS', 5 * 60_000, 100, 25 * 60_000),
  };
  if (config.retryWindowMs < config.retryFirstDelayMs) {
    throw new ConfigError('RETRY_WINDOW_MS', 'must be at least RETRY_FIRST_DELAY_MS');
  }
  return config;
}

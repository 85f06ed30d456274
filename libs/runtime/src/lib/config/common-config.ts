import { EnvReader } from './env-reader';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings every process of the pipeline reads (docs/CONTRACTS.md, "Configuration"). */
export interface CommonConfig {
  nodeEnv: NodeEnv;
  databaseUrl: string;
  rabbitmqUrl: string;
  logLevel: LogLevel;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/messaging';
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

export function readCommonConfig(env: EnvReader): CommonConfig {
  return {
    // Unset means production: a deployment that forgets NODE_ENV gets every safety switch closed.
    nodeEnv: env.oneOf('NODE_ENV', 'production', NODE_ENVS),
    databaseUrl: env.url('DATABASE_URL', DEFAULT_DATABASE_URL, ['postgres', 'postgresql']),
    rabbitmqUrl: env.url('RABBITMQ_URL', DEFAULT_RABBITMQ_URL, ['amqp', 'amqps']),
    logLevel: env.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
  };
}

import type { EnvReader } from './env-reader';
import { readVariables, type EnvVariables, type ValuesOf } from './env-variable';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The variables every process of the pipeline reads. */
export const COMMON_VARIABLES = {
  nodeEnv: {
    name: 'NODE_ENV',
    kind: 'choice',
    default: 'production',
    allowed: NODE_ENVS,
    meaning: 'unset means production, so every safety switch fails closed; `npm start` sets `development`',
  },
  databaseUrl: {
    name: 'DATABASE_URL',
    kind: 'url',
    default: 'postgres://postgres@127.0.0.1:5432/messaging',
    schemes: ['postgres', 'postgresql'],
    meaning: 'PostgreSQL (never echoed in an error: it may hold a password)',
  },
  rabbitmqUrl: {
    name: 'RABBITMQ_URL',
    kind: 'url',
    default: 'amqp://guest:guest@127.0.0.1:5672',
    schemes: ['amqp', 'amqps'],
    meaning: 'RabbitMQ, including the virtual host',
  },
  logLevel: { name: 'LOG_LEVEL', kind: 'choice', default: 'info', allowed: LOG_LEVELS, meaning: 'least severe level logged' },
} as const satisfies EnvVariables;

export type CommonConfig = ValuesOf<typeof COMMON_VARIABLES>;

export function readCommonConfig(env: EnvReader): CommonConfig {
  return readVariables(env, COMMON_VARIABLES);
}

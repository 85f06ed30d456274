import { ConfigError, type EnvReader } from './env-reader';
import { readVariable, type EnvVariables } from './env-variable';

export const CREDENTIALS_KEY_VARIABLES = {
  current: {
    name: 'CREDENTIALS_KEY',
    kind: 'text',
    constraint: 'base64 of exactly 32 bytes; required when `NODE_ENV=production`',
    meaning: 'seals channel credentials and subscriber webhook secrets (AES-256-GCM)',
  },
  previous: {
    name: 'CREDENTIALS_KEY_PREVIOUS',
    kind: 'text',
    constraint: 'comma-separated keys, same format',
    meaning: 'still open values sealed before a key rotation',
  },
} as const satisfies EnvVariables;

export interface CredentialsKeys {
  /** Seals new values. */
  current?: Buffer;
  /** Still open values sealed before a rotation. */
  previous: Buffer[];
}

function decodeKey(name: string, value: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError(name, 'must be 32 bytes encoded as base64');
  return key;
}

export function readCredentialsKeys(env: EnvReader, nodeEnv: string): CredentialsKeys {
  const variables = CREDENTIALS_KEY_VARIABLES;
  const current = readVariable(env, variables.current);
  if (current === undefined && nodeEnv === 'production')
    throw new ConfigError(variables.current.name, 'is required when NODE_ENV=production');
  const previous = readVariable(env, variables.previous);
  return {
    current: current === undefined ? undefined : decodeKey(variables.current.name, current),
    previous: previous === undefined ? [] : previous.split(',').map((part) => decodeKey(variables.previous.name, part.trim())),
  };
}

import { ConfigError, EnvReader } from './env-reader';

export interface CredentialsKeys {
  /** CREDENTIALS_KEY: seals new values; required when NODE_ENV=production. */
  current?: Buffer;
  /** CREDENTIALS_KEY_PREVIOUS (comma-separated): still opens values sealed before a rotation. */
  previous: Buffer[];
}

function decodeKey(name: string, value: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError(name, 'must be 32 bytes encoded as base64');
  return key;
}

export function readCredentialsKeys(env: EnvReader, nodeEnv: string): CredentialsKeys {
  const current = env.optionalString('CREDENTIALS_KEY');
  if (current === undefined && nodeEnv === 'production') throw new ConfigError('CREDENTIALS_KEY', 'is required when NODE_ENV=production');
  const previous = env.optionalString('CREDENTIALS_KEY_PREVIOUS');
  return {
    current: current === undefined ? undefined : decodeKey('CREDENTIALS_KEY', current),
    previous: previous === undefined ? [] : previous.split(',').map((part) => decodeKey('CREDENTIALS_KEY_PREVIOUS', part.trim())),
  };
}

import { ConfigError, EnvReader } from './env-reader';
import { readVariable, readVariables, type EnvVariables } from './env-variable';

const VARIABLES = {
  origin: { name: 'ORIGIN', kind: 'url', default: 'https://example.com', schemes: ['https'], dropTrailingSlash: true, meaning: 'm' },
  callback: { name: 'CALLBACK_URL', kind: 'url', schemes: ['http', 'https'], meaning: 'm' },
  token: { name: 'TOKEN', kind: 'text', minLength: 4, meaning: 'm' },
  mode: { name: 'MODE', kind: 'choice', default: 'fast', allowed: ['fast', 'safe'], meaning: 'm' },
  retries: { name: 'RETRIES', kind: 'integer', default: 3, min: 0, max: 9, meaning: 'm' },
  enabled: { name: 'ENABLED', kind: 'boolean', default: true, meaning: 'm' },
} as const satisfies EnvVariables;

describe('readVariables', () => {
  it('reads each declaration under its key; an optional URL or text without a value is undefined', () => {
    const values = readVariables(new EnvReader({ MODE: ' safe ', RETRIES: '0' }), VARIABLES);
    expect(values).toEqual({
      origin: 'https://example.com',
      callback: undefined,
      token: undefined,
      mode: 'safe',
      retries: 0,
      enabled: true,
    });
    const mode: 'fast' | 'safe' = values.mode;
    expect(mode).toBe('safe');
  });

  it('drops trailing slashes where the declaration says so', () => {
    expect(readVariable(new EnvReader({ ORIGIN: 'https://example.org//' }), VARIABLES.origin)).toBe('https://example.org');
    expect(readVariable(new EnvReader({ CALLBACK_URL: 'http://cb.local/' }), VARIABLES.callback)).toBe('http://cb.local/');
  });

  it('refuses text shorter than its minimum, naming the variable', () => {
    const read = () => readVariable(new EnvReader({ TOKEN: 'abc' }), VARIABLES.token);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('Invalid configuration: TOKEN must be at least 4 characters');
  });
});

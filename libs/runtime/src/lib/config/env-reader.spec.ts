import { readCommonConfig } from './common-config';
import { ConfigError, EnvReader } from './env-reader';
import { readWorkerConfig } from './worker-config';

function problem(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('EnvReader', () => {
  it('treats empty and blank values as unset', () => {
    const env = new EnvReader({ A: '', B: '   ' });
    expect(env.string('A', 'x')).toBe('x');
    expect(env.optionalString('B')).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', 'Invalid configuration: PORT must be an integer from 1 to 65535 (got "abc")'],
    ['PORT', '70000', 'Invalid configuration: PORT must be an integer from 1 to 65535 (got "70000")'],
    ['PORT', '3.5', 'Invalid configuration: PORT must be an integer from 1 to 65535 (got "3.5")'],
  ])('names %s when it is %p', (name, value, line) => {
    expect(problem(() => new EnvReader({ [name]: value }).integer(name, 3000, 1, 65535))).toBe(line);
  });

  it('reads booleans strictly', () => {
    expect(new EnvReader({ X: 'false' }).boolean('X', true)).toBe(false);
    expect(problem(() => new EnvReader({ X: 'no' }).boolean('X', true))).toBe('Invalid configuration: X must be true or false (got "no")');
  });

  it('never echoes a bad URL, which may hold a password', () => {
    const line = problem(() => new EnvReader({ DATABASE_URL: 'postgres//user:hunter2@host' }).url('DATABASE_URL', undefined, ['postgres']));
    expect(line).toBe('Invalid configuration: DATABASE_URL must be a URL (postgres)');
    expect(line).not.toContain('hunter2');
  });

  it('checks URL schemes', () => {
    expect(problem(() => new EnvReader({ RABBITMQ_URL: 'http://x' }).url('RABBITMQ_URL', undefined, ['amqp', 'amqps']))).toBe(
      'Invalid configuration: RABBITMQ_URL must use amqp or amqps, not http',
    );
  });
});

describe('readCommonConfig', () => {
  it('applies the contract defaults; an unset NODE_ENV is production, so forgetting it fails closed', () => {
    expect(readCommonConfig(new EnvReader({}))).toEqual({
      nodeEnv: 'production',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/messaging',
      rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
      logLevel: 'info',
    });
  });

  it.each([
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ NODE_ENV: 'prod' }, 'Invalid configuration: NODE_ENV must be one of development, test, production (got "prod")'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'Invalid configuration: DATABASE_URL must use postgres or postgresql, not mysql'],
  ])('rejects %p with one line', (env, line) => {
    expect(problem(() => readCommonConfig(new EnvReader(env)))).toBe(line);
  });
});

describe('readWorkerConfig', () => {
  it("takes the worker's own defaults, and has defaults for the retry path", () => {
    const config = readWorkerConfig({}, { healthPort: 3001, prefetchCount: 200 });
    expect(config).toMatchObject({ healthPort: 3001, prefetchCount: 200, retryFirstDelayMs: 2000, retryWindowMs: 900000 });
  });

  it.each([
    [{ PREFETCH_COUNT: '0' }, 'Invalid configuration: PREFETCH_COUNT must be an integer from 1 to 10000 (got "0")'],
    [{ HEALTH_PORT: '-1' }, 'Invalid configuration: HEALTH_PORT must be an integer from 0 to 65535 (got "-1")'],
    [
      { RETRY_FIRST_DELAY_MS: '5000', RETRY_WINDOW_MS: '1000' },
      'Invalid configuration: RETRY_WINDOW_MS must be at least RETRY_FIRST_DELAY_MS',
    ],
  ])('rejects %p with one line', (env, line) => {
    expect(problem(() => readWorkerConfig(env, { healthPort: 3001, prefetchCount: 200 }))).toBe(line);
  });
});

import { ConfigError } from '@inbound/runtime';
import { readInboundWorkerConfig } from './inbound-worker-config';

describe('readInboundWorkerConfig', () => {
  it('reads no contact look-up without ACCOUNT_API_URL, the shared worker settings, and its own prefetch default', () => {
    const config = readInboundWorkerConfig({});
    expect(config.contactLookup).toBeUndefined();
    expect(config).toMatchObject({ healthPort: 3002, prefetchCount: 2_000, retryFirstDelayMs: 2_000 });
  });

  it('reads the contact look-up settings with their defaults', () => {
    expect(readInboundWorkerConfig({ ACCOUNT_API_URL: 'http://accounts.internal:8080/api' }).contactLookup).toEqual({
      baseUrl: 'http://accounts.internal:8080/api',
      timeoutMs: 1_000,
      concurrency: 16,
      cacheTtlMs: 300_000,
      negativeCacheTtlMs: 60_000,
      cacheMaxEntries: 50_000,
    });
  });

  it('takes the tuning variables', () => {
    const config = readInboundWorkerConfig({
      ACCOUNT_API_URL: 'https://accounts.example.com',
      CONTACT_LOOKUP_TIMEOUT_MS: '250',
      CONTACT_LOOKUP_CONCURRENCY: '4',
      CONTACT_CACHE_TTL_MS: '30000',
      CONTACT_CACHE_MAX_ENTRIES: '10',
    });
    expect(config.contactLookup).toEqual({
      baseUrl: 'https://accounts.example.com',
      timeoutMs: 250,
      concurrency: 4,
      cacheTtlMs: 30_000,
      negativeCacheTtlMs: 30_000,
      cacheMaxEntries: 10,
    });
  });

  it.each([
    [{ ACCOUNT_API_URL: 'ftp://accounts' }, 'Invalid configuration: ACCOUNT_API_URL must use http or https, not ftp'],
    [{ ACCOUNT_API_URL: 'not a url' }, 'Invalid configuration: ACCOUNT_API_URL must be a URL (http or https)'],
    [{ CONTACT_LOOKUP_CONCURRENCY: '0' }, 'Invalid configuration: CONTACT_LOOKUP_CONCURRENCY must be an integer from 1 to 256 (got "0")'],
    [{ CONTACT_CACHE_TTL_MS: '-1' }, 'Invalid configuration: CONTACT_CACHE_TTL_MS must be an integer from 0 to 86400000 (got "-1")'],
  ])('refuses %p with one line naming the variable', (env, line) => {
    expect(() => readInboundWorkerConfig(env)).toThrow(ConfigError);
    expect(() => readInboundWorkerConfig(env)).toThrow(line);
  });
});

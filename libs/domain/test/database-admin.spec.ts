import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseNameOf, dropDatabaseIfExists, ensureDatabaseExists, maintenanceDatabaseUrl, quoteIdentifier } from '../src';

describe('database administration', () => {
  const runUrl = (): string => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run through `nx test domain`');
    return process.env.DATABASE_URL;
  };

  /** A URL naming a database that does not exist yet, with characters that need quoting. */
  const awkwardUrl = (): string => {
    const url = new URL(runUrl());
    url.pathname = `/${encodeURIComponent(`${databaseNameOf(runUrl())} Odd"Name-${randomBytes(3).toString('hex')}`)}`;
    return url.toString();
  };

  const exists = async (url: string): Promise<boolean> => {
    const client = new Client({ connectionString: maintenanceDatabaseUrl(url) });
    await client.connect();
    try {
      return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseNameOf(url)])).rowCount ?? 0) > 0;
    } finally {
      await client.end();
    }
  };

  it('creates a missing database once, whatever its name, and drops it again', async () => {
    const url = awkwardUrl();
    try {
      expect(await ensureDatabaseExists(url)).toBe(true);
      expect(await exists(url)).toBe(true);
      expect(await ensureDatabaseExists(url)).toBe(false);
    } finally {
      await dropDatabaseIfExists(url);
    }
    expect(await exists(url)).toBe(false);
    await expect(dropDatabaseIfExists(url)).resolves.toBeUndefined();
  });

  it('survives two processes creating the same database at once', async () => {
    const url = awkwardUrl();
    try {
      const created = await Promise.all([ensureDatabaseExists(url), ensureDatabaseExists(url), ensureDatabaseExists(url)]);
      expect(created.filter(Boolean).length).toBeLessThanOrEqual(1);
      expect(await exists(url)).toBe(true);
    } finally {
      await dropDatabaseIfExists(url);
    }
  });

  it('leaves an existing database alone', async () => {
    expect(await ensureDatabaseExists(runUrl())).toBe(false);
  });

  it.each([
    ['postgres://u:p@db:5432/messaging', 'messaging', 'postgres://u:p@db:5432/postgres'],
    ['postgres://db/my%20db?sslmode=require', 'my db', 'postgres://db/postgres?sslmode=require'],
  ])('reads %s', (url, name, maintenance) => {
    expect(databaseNameOf(url)).toBe(name);
    expect(maintenanceDatabaseUrl(url)).toBe(maintenance);
  });

  it('refuses a URL without a database name', () => {
    expect(() => databaseNameOf('postgres://db:5432')).toThrow('names no database');
  });

  it('quotes identifiers by doubling quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});

import { Client, type Pool, type PoolClient } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createDataSource } from '../src';

describe('pooled clients and a server that ends their session', () => {
  const url = (): string => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run through `nx test domain`');
    return process.env.DATABASE_URL;
  };

  it('survive a termination while handed over, with no unhandled error event, and fail their next query', async () => {
    const dataSource = createDataSource({ url: url(), poolSize: 2 });
    await dataSource.initialize();
    try {
      // A raw checkout is the moment between pg-pool and TypeORM: the pool has stopped listening, nobody else has started.
      const pool = (dataSource.driver as PostgresDriver).master as Pool;
      const client: PoolClient = await pool.connect();
      const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      const ended = new Promise((resolve) => client.once('end', resolve));
      const admin = new Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.end();
      }
      // Without a listener of its own the client's 'error' event would be thrown from the socket's handler here.
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      // The pool hands out a working client afterwards.
      expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/messaging';
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** A database name and a virtual host of our own, so concurrent runs never share data. */
export interface IsolatedInfra {
  databaseUrl: string;
  rabbitmqUrl: string;
  databaseName: string;
  vhost: string;
}

function withPath(url: string, path: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(path)}`;
  return parsed.toString();
}

export function adminDatabaseUrl(databaseUrl: string): string {
  return withPath(databaseUrl, 'postgres');
}

export async function createIsolatedInfra(label: string): Promise<IsolatedInfra> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const databaseName = `test_${suffix}`;
  const vhost = `test_${suffix}`;
  const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const baseRabbitUrl = process.env.TEST_RABBITMQ_URL ?? DEFAULT_RABBITMQ_URL;

  const admin = new Client({ connectionString: adminDatabaseUrl(baseDatabaseUrl) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await admin.end();
  }
  await run('rabbitmqctl', ['add_vhost', vhost]);
  const user = decodeURIComponent(new URL(baseRabbitUrl).username || 'guest');
  await run('rabbitmqctl', ['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);

  return {
    databaseUrl: withPath(baseDatabaseUrl, databaseName),
    rabbitmqUrl: withPath(baseRabbitUrl, vhost),
    databaseName,
    vhost,
  };
}

export async function dropIsolatedInfra(infra: Pick<IsolatedInfra, 'databaseName' | 'vhost'>): Promise<void> {
  const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const admin = new Client({ connectionString: adminDatabaseUrl(baseDatabaseUrl) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${infra.databaseName}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await run('rabbitmqctl', ['delete_vhost', infra.vhost]).catch(() => undefined);
}

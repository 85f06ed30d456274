import { DataSource } from 'typeorm';
import { DOMAIN_ENTITIES } from '../entities/domain-entities';
import { DOMAIN_MIGRATIONS } from '../migrations/domain-migrations';

export interface DomainDataSourceOptions {
  url: string;
  /** Default 10. */
  poolSize?: number;
  applicationName?: string;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  logging?: boolean;
}

/** Not initialised yet. Never synchronises nor migrates on connect: migrations own the schema. */
export function createDataSource(options: DomainDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: DOMAIN_ENTITIES,
    migrations: DOMAIN_MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built in (PostgreSQL 13+); else TypeORM installs uuid-ossp on connect, as superuser.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    logging: options.logging ?? false,
    extra: { onConnect: listenForClientErrors },
  });
}

/**
 * Every pooled client keeps an 'error' listener of its own. pg-pool listens while a client is idle and TypeORM while a
 * query runner holds it, but not in between: when a new client's last handshake message and the server's termination
 * (a restart, a failover, a dropped database) arrive in one read, the error is emitted with nobody listening, which ends
 * the process. With this listener the client is merely dead; its next query fails, and is answered like any other
 * database failure.
 */
function listenForClientErrors(client: { on(event: 'error', listener: (error: Error) => void): unknown }): void {
  client.on('error', () => undefined);
}

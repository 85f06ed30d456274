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
  });
}

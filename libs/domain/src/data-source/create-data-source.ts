import { DataSource } from 'typeorm';
import { DOMAIN_ENTITIES } from '../entities/domain-entities';
import { DOMAIN_MIGRATIONS } from '../migrations/domain-migrations';

export interface DomainDataSourceOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** Shown in pg_stat_activity, e.g. the app's name. */
  applicationName?: string;
  /** Give up connecting after this long. Default 10 s. */
  connectTimeoutMs?: number;
  /** Log every SQL statement (debugging only). Default false. */
  logging?: boolean;
}

/**
 * A DataSource over the domain schema, not yet initialised (call `initialize()`).
 * The schema is only ever changed by migrations: never synchronised, never migrated on
 * connect (`npm run db:migrate` or the migration Job does that).
 */
export function createDataSource(options: DomainDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: DOMAIN_ENTITIES,
    migrations: DOMAIN_MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built in since PostgreSQL 13; without these TypeORM would try to
    // install uuid-ossp on every connect, which needs a superuser.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    logging: options.logging ?? false,
  });
}

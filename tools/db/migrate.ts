/**
 * Applies or reverts the domain migrations on DATABASE_URL.
 *
 *   npm run db:migrate   creates the database when missing, then runs pending migrations
 *   npm run db:revert    reverts the last applied migration
 */
import 'reflect-metadata';
import { createDataSource, databaseNameOf, ensureDatabaseExists } from '@inbound/domain';
// The config entry point alone: the bundle of this script holds no Nest.
import { COMMON_VARIABLES, EnvReader, readVariable } from '@inbound/runtime/config';
import { type DataSource, MigrationExecutor } from 'typeorm';

type Command = 'up' | 'down';

async function main(command: Command): Promise<void> {
  const url = readVariable(new EnvReader(process.env), COMMON_VARIABLES.databaseUrl);
  const database = databaseNameOf(url);

  if (command === 'up' && (await ensureDatabaseExists(url))) console.log(`created database ${database}`);

  const dataSource = createDataSource({ url, poolSize: 1, applicationName: 'db-migrate' });
  await dataSource.initialize();
  try {
    if (command === 'up') await migrateUp(dataSource, database);
    else await revertLast(dataSource, database);
  } finally {
    await dataSource.destroy();
  }
}

async function migrateUp(dataSource: DataSource, database: string): Promise<void> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  for (const migration of applied) console.log(`applied ${migration.name}`);
  if (applied.length === 0) console.log(`database ${database} is up to date`);
}

async function revertLast(dataSource: DataSource, database: string): Promise<void> {
  const executed = await new MigrationExecutor(dataSource).getExecutedMigrations();
  const last = executed[0]; // newest first, as undoLastMigration picks it
  if (!last) {
    console.log(`database ${database} has no migration to revert`);
    return;
  }
  await dataSource.undoLastMigration({ transaction: 'each' });
  console.log(`reverted ${last.name}`);
}

function parseCommand(argument: string | undefined): Command {
  if (argument === 'up' || argument === 'down') return argument;
  throw new Error(`usage: migrate.ts up|down (got ${argument ?? 'nothing'})`);
}

Promise.resolve()
  .then(() => main(parseCommand(process.argv[2])))
  .catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`db migrate failed: ${message.split('\n')[0]}`);
    process.exit(1);
  });

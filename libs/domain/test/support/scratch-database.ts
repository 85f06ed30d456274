import { randomBytes } from 'node:crypto';
import { databaseNameOf, dropDatabaseIfExists, ensureDatabaseExists } from '../../src';

/**
 * A database of this test file's own, beside the run's database from the global setup:
 * jest runs files in parallel, and each file here migrates up and down.
 */
export async function createScratchDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const runUrl = process.env.DATABASE_URL;
  if (!runUrl) throw new Error('DATABASE_URL is not set: run through `nx test domain` (jest global setup)');
  const url = new URL(runUrl);
  url.pathname = `/${databaseNameOf(runUrl)}_${label}_${randomBytes(3).toString('hex')}`;
  await ensureDatabaseExists(url.toString());
  return { url: url.toString(), drop: () => dropDatabaseIfExists(url.toString()) };
}

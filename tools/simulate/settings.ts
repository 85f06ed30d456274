import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DEMO_ACCOUNT_ID, UsageError, type SimulatorOptions } from './args';

/** Where the simulator connects, from flags over the environment over `.env` (as `npm start` writes it). */
export interface SimulatorSettings {
  gateway: string;
  adminToken: string;
  accountId: string;
  databaseUrl: string;
  /** Opens the stored credentials of a Telegram channel (its webhook secret is written by the server). */
  credentialsKey?: string;
  /** The key of the SNS development certificate (SNS_DEV_PRIVATE_KEY_FILE, made by `npm start`): what ses calls are signed with. */
  snsDevPrivateKeyFile?: string;
  /** The file that remembers the demo channels between runs. */
  stateFile: string;
}

export const REPOSITORY_ROOT = join(__dirname, '..', '..');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/messaging';

type EnvFileParser = (text: string) => Record<string, string>;

/** `npm start`'s own reader of `.env` (tools/dev/local-env.mjs, plain JS so it runs before any install); Node 24 loads it synchronously. */
function parseEnvFile(text: string): Record<string, string> {
  const localEnv = createRequire(__filename)('../dev/local-env.mjs') as { parseEnvFile: EnvFileParser };
  return localEnv.parseEnvFile(text);
}

/** `.env` under the process environment, as localEnvironment reads it; nothing is generated or written. */
export function resolveSettings(
  options: Pick<SimulatorOptions, 'url' | 'token' | 'account'>,
  processEnv: NodeJS.ProcessEnv = process.env,
  root = REPOSITORY_ROOT,
): SimulatorSettings {
  const file = join(root, '.env');
  const stored = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  const env: Record<string, string | undefined> = { ...stored, ...processEnv };
  const value = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  const adminToken = options.token ?? value('ADMIN_API_TOKEN');
  if (!adminToken) throw new UsageError('no admin API token: run `npm start` once (it writes ADMIN_API_TOKEN into .env) or pass --token');
  return {
    gateway: options.url ?? `http://localhost:${value('PORT') ?? '3000'}`,
    adminToken,
    accountId: options.account ?? DEMO_ACCOUNT_ID,
    databaseUrl: value('DATABASE_URL') ?? DEFAULT_DATABASE_URL,
    credentialsKey: value('CREDENTIALS_KEY'),
    snsDevPrivateKeyFile: value('SNS_DEV_PRIVATE_KEY_FILE'),
    stateFile: join(root, '.simulator.json'),
  };
}

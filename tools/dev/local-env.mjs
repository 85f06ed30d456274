// The settings `npm start` keeps between restarts, in `.env` at the repository root (ignored
// by git): an admin token for the admin API and a key that seals channel credentials, both
// generated on the first start. Values already in the environment win over the file.
// pipelineEnvironment adds the local pipeline's defaults: the one environment every app gets.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GENERATED = {
  ADMIN_API_TOKEN: () => randomBytes(24).toString('base64url'),
  CREDENTIALS_KEY: () => randomBytes(32).toString('base64'),
};

/** `KEY=value` lines; blank lines and `#` comments are skipped, surrounding quotes dropped. */
export function parseEnvFile(text) {
  const values = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/**
 * The environment for the local pipeline: `.env` under `processEnv`, plus any generated value
 * still missing, which is appended to `.env` (created with mode 600) so the next start reuses it.
 * Returns the environment and the names generated this time.
 */
export function localEnvironment(root, processEnv) {
  const file = join(root, '.env');
  const stored = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  const env = { ...stored, ...processEnv };
  const generated = [];
  for (const [name, generate] of Object.entries(GENERATED)) {
    if (env[name] !== undefined && env[name].trim() !== '') continue;
    env[name] = generate();
    generated.push(name);
  }
  if (generated.length > 0) {
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const header =
      existing === undefined
        ? '# Written by `npm start` for the local pipeline; not for production.\n'
        : existing.length > 0 && !existing.endsWith('\n')
          ? '\n'
          : '';
    const lines = generated.map((name) => `${name}=${env[name]}\n`).join('');
    writeFileSync(file, header + lines, { flag: 'a', mode: 0o600 });
  }
  return { env, generated };
}

/**
 * The environment `npm start` gives every app, from localEnvironment's: local PostgreSQL and
 * RabbitMQ, NODE_ENV=development and, in development only, OUTBOUND_ALLOW_PRIVATE_URLS=true, so
 * subscriptions may point at receivers on this machine (the gateway checks the URL when it is
 * stored, the event-dispatcher when it connects). Anything already set wins. One object for all
 * apps: the gateway and the event-dispatcher get the same CREDENTIALS_KEY.
 */
export function pipelineEnvironment(localEnv) {
  const env = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/messaging',
    RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
    // The apps default to production when NODE_ENV is unset; the local pipeline is development.
    NODE_ENV: 'development',
    ...localEnv,
  };
  if (env.NODE_ENV === 'development' && (env.OUTBOUND_ALLOW_PRIVATE_URLS ?? '').trim() === '') env.OUTBOUND_ALLOW_PRIVATE_URLS = 'true';
  return env;
}

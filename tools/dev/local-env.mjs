// The settings `npm start` keeps between restarts, in `.env` at the repository root (ignored
// by git): an admin token for the admin API, a key that seals channel credentials and the key that
// signs realtime tokens, all generated on the first start, and in development an SNS signing certificate the gateway trusts
// so that `npm run simulate -- ses` can sign. Values already in the environment win over the file.
// pipelineEnvironment adds the local pipeline's defaults: the one environment every app gets.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GENERATED = {
  ADMIN_API_TOKEN: () => randomBytes(24).toString('base64url'),
  CREDENTIALS_KEY: () => randomBytes(32).toString('base64'),
  // Kept, so that a console tab's realtime token still opens after the gateway restarts.
  REALTIME_TOKEN_SECRET: () => randomBytes(32).toString('base64url'),
};

// The apps default to production when NODE_ENV is unset; the local pipeline is development.
const LOCAL_NODE_ENV = 'development';

/** Where the SNS development pair is written (git-ignored): the gateway reads the certificate, the simulator the key. */
const SNS_DEV_DIRECTORY = '.sns-dev';
const SNS_DEV_CERTIFICATE = 'SNS_DEV_CERTIFICATE_FILE';
const SNS_DEV_PRIVATE_KEY = 'SNS_DEV_PRIVATE_KEY_FILE';
// The repository's own certificate maker (the adapter specs use it too), run by Node as it is.
const CERTIFICATE_MAKER = new URL('../../libs/adapters/src/ses/testing/self-signed-certificate.ts', import.meta.url);
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

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
    if (isSet(env[name])) continue;
    env[name] = generate();
    generated.push(name);
  }
  // The gateway refuses the certificate outside development and tests; a pair given by hand (either half) is kept.
  const nodeEnv = isSet(env.NODE_ENV) ? env.NODE_ENV.trim() : LOCAL_NODE_ENV;
  if ((nodeEnv === 'development' || nodeEnv === 'test') && !isSet(env[SNS_DEV_CERTIFICATE]) && !isSet(env[SNS_DEV_PRIVATE_KEY])) {
    Object.assign(env, writeSnsDevCertificate(join(root, SNS_DEV_DIRECTORY)));
    generated.push(SNS_DEV_CERTIFICATE, SNS_DEV_PRIVATE_KEY);
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

function isSet(value) {
  return value !== undefined && value.trim() !== '';
}

/**
 * A self-signed certificate (valid ten years) and its RSA key as PEM files in `directory`, the key
 * readable only by the owner; returns the two variables naming them. The maker is TypeScript:
 * a child Node strips its types (and is told not to warn that the repository is not an ES module),
 * which keeps localEnvironment synchronous and free of installed packages.
 */
function writeSnsDevCertificate(directory) {
  const script = `import { createSelfSignedCertificate } from ${JSON.stringify(CERTIFICATE_MAKER.href)};
const { certificatePem, privateKey } = createSelfSignedCertificate({ commonName: 'sns.localhost', notAfter: new Date(Date.now() + ${TEN_YEARS_MS}) });
process.stdout.write(JSON.stringify({ certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }));`;
  const made = spawnSync(process.execPath, ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`could not make the SNS development certificate: ${made.stderr.trim()}`);
  const { certificatePem, privateKeyPem } = JSON.parse(made.stdout);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const certificateFile = join(directory, 'certificate.pem');
  const privateKeyFile = join(directory, 'private-key.pem');
  writeFileSync(certificateFile, certificatePem, { mode: 0o644 });
  writeFileSync(privateKeyFile, privateKeyPem, { mode: 0o600 });
  return { [SNS_DEV_CERTIFICATE]: certificateFile, [SNS_DEV_PRIVATE_KEY]: privateKeyFile };
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
    NODE_ENV: LOCAL_NODE_ENV,
    ...localEnv,
  };
  if (env.NODE_ENV === 'development' && (env.OUTBOUND_ALLOW_PRIVATE_URLS ?? '').trim() === '') env.OUTBOUND_ALLOW_PRIVATE_URLS = 'true';
  return env;
}

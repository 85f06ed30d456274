import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = join(__dirname, 'local-env.mjs');

interface LocalEnvironment {
  env: Record<string, string>;
  generated: string[];
}

/** Runs localEnvironment in a fresh node process, as `npm start` does, with only `env` set. */
function localEnvironment(root: string, env: Record<string, string> = {}): LocalEnvironment {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => process.stdout.write(JSON.stringify(m.localEnvironment(${JSON.stringify(root)}, process.env))))`;
  const result = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as LocalEnvironment;
}

describe('the local environment npm start keeps in .env', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'local-env-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('generates an admin token, a credentials key and the SNS development pair once, readable only by the owner, and reuses them', () => {
    const first = localEnvironment(root);
    expect(first.generated).toEqual([
      'ADMIN_API_TOKEN',
      'CREDENTIALS_KEY',
      'REALTIME_TOKEN_SECRET',
      'SNS_DEV_CERTIFICATE_FILE',
      'SNS_DEV_PRIVATE_KEY_FILE',
    ]);
    expect(Buffer.from(first.env.REALTIME_TOKEN_SECRET, 'base64url')).toHaveLength(32);
    expect(first.env.ADMIN_API_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(first.env.CREDENTIALS_KEY, 'base64')).toHaveLength(32);
    expect(statSync(join(root, '.env')).mode & 0o777).toBe(0o600);

    const second = localEnvironment(root);
    expect(second.generated).toEqual([]);
    expect(second.env.ADMIN_API_TOKEN).toBe(first.env.ADMIN_API_TOKEN);
    expect(second.env.CREDENTIALS_KEY).toBe(first.env.CREDENTIALS_KEY);
    expect(second.env.REALTIME_TOKEN_SECRET).toBe(first.env.REALTIME_TOKEN_SECRET);
    expect(second.env.SNS_DEV_CERTIFICATE_FILE).toBe(first.env.SNS_DEV_CERTIFICATE_FILE);
  });

  it('makes the SNS development certificate with its key beside it, the key readable only by the owner, valid for years', () => {
    const { env } = localEnvironment(root);
    expect([env.SNS_DEV_CERTIFICATE_FILE, env.SNS_DEV_PRIVATE_KEY_FILE]).toEqual([
      join(root, '.sns-dev', 'certificate.pem'),
      join(root, '.sns-dev', 'private-key.pem'),
    ]);
    const certificate = new X509Certificate(readFileSync(env.SNS_DEV_CERTIFICATE_FILE));
    expect(certificate.checkPrivateKey(createPrivateKey(readFileSync(env.SNS_DEV_PRIVATE_KEY_FILE)))).toBe(true);
    expect(Date.parse(certificate.validTo)).toBeGreaterThan(Date.now() + 9 * 365 * 24 * 3600 * 1000);
    expect(statSync(env.SNS_DEV_PRIVATE_KEY_FILE).mode & 0o777).toBe(0o600);
  });

  it('makes no SNS development certificate for a production pipeline, which the gateway would refuse to start with', () => {
    const result = localEnvironment(root, { NODE_ENV: 'production' });
    expect(result.generated).toEqual(['ADMIN_API_TOKEN', 'CREDENTIALS_KEY', 'REALTIME_TOKEN_SECRET']);
    expect(existsSync(join(root, '.sns-dev'))).toBe(false);
    expect(localEnvironment(root, { NODE_ENV: 'test' }).generated).toEqual(['SNS_DEV_CERTIFICATE_FILE', 'SNS_DEV_PRIVATE_KEY_FILE']);
  });

  it('lets the environment win over the file, and writes nothing it was given', () => {
    writeFileSync(join(root, '.env'), 'ADMIN_API_TOKEN=from-the-file-0123456789\nPORT=4000\n');
    const result = localEnvironment(root, {
      ADMIN_API_TOKEN: 'from-the-environment-0123',
      CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
      REALTIME_TOKEN_SECRET: 'from-the-environment-realtime-secret',
      // A certificate of one's own: no key is made for it.
      SNS_DEV_CERTIFICATE_FILE: '/elsewhere/certificate.pem',
    });
    expect(result.generated).toEqual([]);
    expect(result.env).toMatchObject({ ADMIN_API_TOKEN: 'from-the-environment-0123', PORT: '4000' });
    expect(result.env.SNS_DEV_PRIVATE_KEY_FILE).toBeUndefined();
    expect(readFileSync(join(root, '.env'), 'utf8')).toBe('ADMIN_API_TOKEN=from-the-file-0123456789\nPORT=4000\n');
  });

  it('adds what is missing on lines of its own, after a last line without a newline, a comment, quotes and blank values', () => {
    writeFileSync(join(root, '.env'), '# mine\nexport LOG_LEVEL="debug"\nCREDENTIALS_KEY=\nPORT=4000');
    const result = localEnvironment(root);
    expect(result.generated).toEqual([
      'ADMIN_API_TOKEN',
      'CREDENTIALS_KEY',
      'REALTIME_TOKEN_SECRET',
      'SNS_DEV_CERTIFICATE_FILE',
      'SNS_DEV_PRIVATE_KEY_FILE',
    ]);
    expect(result.env).toMatchObject({ LOG_LEVEL: 'debug', PORT: '4000' });
    const lines = readFileSync(join(root, '.env'), 'utf8').split('\n');
    expect(lines.slice(0, 4)).toEqual(['# mine', 'export LOG_LEVEL="debug"', 'CREDENTIALS_KEY=', 'PORT=4000']);
    expect(lines.slice(4)).toEqual([
      `ADMIN_API_TOKEN=${result.env.ADMIN_API_TOKEN}`,
      `CREDENTIALS_KEY=${result.env.CREDENTIALS_KEY}`,
      `REALTIME_TOKEN_SECRET=${result.env.REALTIME_TOKEN_SECRET}`,
      `SNS_DEV_CERTIFICATE_FILE=${result.env.SNS_DEV_CERTIFICATE_FILE}`,
      `SNS_DEV_PRIVATE_KEY_FILE=${result.env.SNS_DEV_PRIVATE_KEY_FILE}`,
      '',
    ]);
    expect(localEnvironment(root).env.CREDENTIALS_KEY).toBe(result.env.CREDENTIALS_KEY);
  });
});

describe('the environment npm start gives every app', () => {
  /** pipelineEnvironment of `localEnv`, in a fresh node process. */
  function pipelineEnvironment(localEnv: Record<string, string>): Record<string, string> {
    const script = `import(${JSON.stringify(MODULE)}).then((m) => process.stdout.write(JSON.stringify(m.pipelineEnvironment(${JSON.stringify(localEnv)}))))`;
    const result = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout) as Record<string, string>;
  }

  it('is development against local PostgreSQL and RabbitMQ, with subscriber URLs on this machine allowed', () => {
    const credentialsKey = Buffer.alloc(32, 7).toString('base64');
    expect(pipelineEnvironment({ CREDENTIALS_KEY: credentialsKey })).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/messaging',
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      NODE_ENV: 'development',
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
      CREDENTIALS_KEY: credentialsKey,
    });
  });

  it('keeps what is set, and allows private URLs in development only', () => {
    expect(pipelineEnvironment({ OUTBOUND_ALLOW_PRIVATE_URLS: 'false' }).OUTBOUND_ALLOW_PRIVATE_URLS).toBe('false');
    expect(pipelineEnvironment({ NODE_ENV: 'production' }).OUTBOUND_ALLOW_PRIVATE_URLS).toBeUndefined();
    expect(pipelineEnvironment({ NODE_ENV: 'test' }).OUTBOUND_ALLOW_PRIVATE_URLS).toBeUndefined();
    expect(pipelineEnvironment({ DATABASE_URL: 'postgres://elsewhere/messaging' }).DATABASE_URL).toBe('postgres://elsewhere/messaging');
  });
});

import { createSelfSignedCertificate } from '@inbound/adapters/test-signers';
import { ConfigError } from '@inbound/runtime';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGatewayConfig } from './gateway-config';

function lineFor(env: NodeJS.ProcessEnv): string {
  try {
    readGatewayConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = randomBytes(32).toString('base64');

describe('readGatewayConfig', () => {
  it('applies the contract defaults', () => {
    const config = readGatewayConfig({ CREDENTIALS_KEY: randomBytes(32).toString('base64'), REALTIME_TOKEN_SECRET: SECRET });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 3000,
      webhookBaseUrl: 'http://localhost:3000',
      providerApiBaseUrls: {
        TELEGRAM_API_BASE_URL: 'https://api.telegram.org',
        GRAPH_API_BASE_URL: 'https://graph.facebook.com',
        TWILIO_API_BASE_URL: 'https://api.twilio.com',
      },
      verifyWebhookSignatures: true,
      bodyLimitBytes: 1048576,
      providerBodyLimitBytes: { META_BODY_LIMIT_BYTES: 4 * 1048576 },
      trustProxyHops: 0,
      signatureFailureLimit: 20,
      signatureFailureWindowMs: 60_000,
    });
    expect(config.adminApiToken).toBeUndefined();
  });

  it('treats an unset NODE_ENV as production: a credentials key is required and signatures cannot be switched off', () => {
    expect(lineFor({})).toBe('Invalid configuration: CREDENTIALS_KEY is required when NODE_ENV=production');
    expect(lineFor({ VERIFY_WEBHOOK_SIGNATURES: 'false', CREDENTIALS_KEY: randomBytes(32).toString('base64') })).toBe(
      'Invalid configuration: VERIFY_WEBHOOK_SIGNATURES may be false only when NODE_ENV=development',
    );
  });

  it('accepts a 32-byte base64 credentials key and a trailing slash on the base URL', () => {
    const key = randomBytes(32);
    const config = readGatewayConfig({
      CREDENTIALS_KEY: key.toString('base64'),
      REALTIME_TOKEN_SECRET: SECRET,
      WEBHOOK_BASE_URL: 'https://hooks.example.com/',
    });
    expect(config.credentialsKey?.equals(key)).toBe(true);
    expect(config.webhookBaseUrl).toBe('https://hooks.example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be an integer from 1 to 65535 (got "eighty")'],
    [
      { NODE_ENV: 'production', CREDENTIALS_KEY: randomBytes(32).toString('base64') },
      'Invalid configuration: REALTIME_TOKEN_SECRET is required when NODE_ENV=production',
    ],
    [{ REALTIME_TOKEN_SECRET: 'short' }, 'Invalid configuration: REALTIME_TOKEN_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'production' }, 'Invalid configuration: CREDENTIALS_KEY is required when NODE_ENV=production'],
    [{ CREDENTIALS_KEY: randomBytes(16).toString('base64') }, 'Invalid configuration: CREDENTIALS_KEY must be 32 bytes encoded as base64'],
    [{ CREDENTIALS_KEY: 'not base64 at all!' }, 'Invalid configuration: CREDENTIALS_KEY must be 32 bytes encoded as base64'],
    [{ VERIFY_WEBHOOK_SIGNATURES: 'false' }, null],
    [
      { VERIFY_WEBHOOK_SIGNATURES: 'false', NODE_ENV: 'test' },
      'Invalid configuration: VERIFY_WEBHOOK_SIGNATURES may be false only when NODE_ENV=development',
    ],
    [
      {
        VERIFY_WEBHOOK_SIGNATURES: 'false',
        NODE_ENV: 'production',
        CREDENTIALS_KEY: randomBytes(32).toString('base64'),
        REALTIME_TOKEN_SECRET: SECRET,
      },
      'Invalid configuration: VERIFY_WEBHOOK_SIGNATURES may be false only when NODE_ENV=development',
    ],
    [{ VERIFY_WEBHOOK_SIGNATURES: 'off' }, 'Invalid configuration: VERIFY_WEBHOOK_SIGNATURES must be true or false (got "off")'],
    [{ WEBHOOK_BASE_URL: 'ftp://x' }, 'Invalid configuration: WEBHOOK_BASE_URL must use http or https, not ftp'],
    [{ ADMIN_API_TOKEN: 'short' }, 'Invalid configuration: ADMIN_API_TOKEN must be at least 16 characters'],
    [{ BODY_LIMIT_BYTES: '10' }, 'Invalid configuration: BODY_LIMIT_BYTES must be an integer from 1024 to 67108864 (got "10")'],
    [{ META_BODY_LIMIT_BYTES: '1e9' }, 'Invalid configuration: META_BODY_LIMIT_BYTES must be an integer from 1024 to 67108864 (got "1e9")'],
    [{ TRUST_PROXY_HOPS: '-1' }, 'Invalid configuration: TRUST_PROXY_HOPS must be an integer from 0 to 10 (got "-1")'],
    [
      { SIGNATURE_FAILURE_WINDOW_MS: '10' },
      'Invalid configuration: SIGNATURE_FAILURE_WINDOW_MS must be an integer from 1000 to 3600000 (got "10")',
    ],
  ])('%p → %p', (env, line) => {
    // Development unless the case says otherwise, so that each case meets only its own rule.
    const withEnv = { NODE_ENV: 'development', ...env };
    if (line === null) {
      // Development is the one place where checks may be switched off.
      expect(readGatewayConfig(withEnv).verifyWebhookSignatures).toBe(false);
    } else {
      expect(lineFor(withEnv)).toBe(line);
    }
  });
});

describe('readGatewayConfig: SNS_DEV_CERTIFICATE_FILE', () => {
  let dir: string;
  let certificateFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sns-dev-certificate-'));
    certificateFile = join(dir, 'certificate.pem');
    writeFileSync(certificateFile, createSelfSignedCertificate({ commonName: 'sns.localhost' }).certificatePem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused in production, unset NODE_ENV included, with one line naming it', () => {
    const production = {
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      REALTIME_TOKEN_SECRET: SECRET,
      SNS_DEV_CERTIFICATE_FILE: certificateFile,
    };
    const line = 'Invalid configuration: SNS_DEV_CERTIFICATE_FILE may be set only when NODE_ENV=development or test';
    expect(lineFor(production)).toBe(line);
    expect(lineFor({ ...production, NODE_ENV: 'production' })).toBe(line);
    // Without it, the same production configuration starts.
    expect(readGatewayConfig({ ...production, SNS_DEV_CERTIFICATE_FILE: undefined }).providerDevelopmentFiles).toEqual({});
  });

  it.each(['development', 'test'])('is read and kept with NODE_ENV=%s', (nodeEnv) => {
    const config = readGatewayConfig({ NODE_ENV: nodeEnv, SNS_DEV_CERTIFICATE_FILE: certificateFile });
    expect(config.providerDevelopmentFiles.SNS_DEV_CERTIFICATE_FILE).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('stops the start when the file is missing or holds no certificate', () => {
    const notCertificate = join(dir, 'not-a-certificate.pem');
    writeFileSync(notCertificate, 'hello\n');
    expect(lineFor({ NODE_ENV: 'development', SNS_DEV_CERTIFICATE_FILE: join(dir, 'missing.pem') })).toBe(
      'Invalid configuration: SNS_DEV_CERTIFICATE_FILE cannot be read (ENOENT)',
    );
    expect(lineFor({ NODE_ENV: 'development', SNS_DEV_CERTIFICATE_FILE: notCertificate })).toBe(
      'Invalid configuration: SNS_DEV_CERTIFICATE_FILE is not a PEM certificate',
    );
  });
});

import {
  createIsolatedInfra,
  dropIsolatedInfra,
  FakeBotApi,
  type IsolatedInfra,
  startPipeline,
  type RunningPipeline,
} from '@inbound/testing';
import { createSelfSignedCertificate } from '@inbound/adapters/test-signers';
import { createDataSource } from '@inbound/domain';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS, type Kind, parseArgs, type Scenario, type SimulatorOptions, UsageError } from './args';
import { MemoryOutput } from './output';
import type { SimulatorSettings } from './settings';
import { simulate } from './simulate';

const ADMIN_TOKEN = 'simulator-spec-admin-token-0123';
const ACCOUNT_ID = '3f9a4c2e-7b1d-4e6a-9c8b-2d5e7f1a3b4c';

/** What each kind shows in one status scenario (Telegram reports none). */
const STATUS_OF: Array<[Kind, Scenario]> = [
  ['whatsapp', 'read'],
  ['messenger', 'read'],
  ['sms', 'failed'],
  ['resend', 'sent'],
  ['sendgrid', 'failed'],
  ['ses', 'delivered'],
  ['ses', 'failed'],
  ['mailgun', 'delivered'],
  ['postmark', 'read'],
  ['bridge', 'sent'],
  ['bridge', 'failed'],
  ['unipile', 'read'],
];

/**
 * The simulator against the four built apps as processes (an isolated database and vhost): every
 * supported kind's inbound message and one status, a wrong signature, an SNS subscription
 * confirmation, and a small campaign whose counters end exact. The gateway trusts an SNS
 * development certificate made here, as `npm start` makes one.
 */
describe('npm run simulate against the running pipeline', () => {
  let infra: IsolatedInfra;
  let pipeline: RunningPipeline | undefined;
  const botApi = new FakeBotApi();
  let settings: SimulatorSettings;
  let stateDir: string;

  beforeAll(async () => {
    infra = await createIsolatedInfra('simulator');
    const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 1 });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
    await botApi.start();
    stateDir = mkdtempSync(join(tmpdir(), 'simulator-'));
    const snsDev = createSelfSignedCertificate({ commonName: 'sns.localhost' });
    const snsDevCertificateFile = join(stateDir, 'sns-dev-certificate.pem');
    const snsDevPrivateKeyFile = join(stateDir, 'sns-dev-private-key.pem');
    writeFileSync(snsDevCertificateFile, snsDev.certificatePem);
    writeFileSync(snsDevPrivateKeyFile, snsDev.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const credentialsKey = randomBytes(32).toString('base64');
    const common = {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      NODE_ENV: 'development',
      CREDENTIALS_KEY: credentialsKey,
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'warn',
      RETRY_FIRST_DELAY_MS: '200',
      RETRY_WINDOW_MS: '20000',
    };
    pipeline = await startPipeline(common, {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      TELEGRAM_API_BASE_URL: botApi.url,
      SNS_DEV_CERTIFICATE_FILE: snsDevCertificateFile,
    });
    const gateway = pipeline.gateway;
    settings = {
      gateway,
      adminToken: ADMIN_TOKEN,
      accountId: ACCOUNT_ID,
      databaseUrl: infra.databaseUrl,
      credentialsKey,
      snsDevPrivateKeyFile,
      stateFile: join(stateDir, '.simulator.json'),
    };
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await botApi.stop();
    if (infra) await dropIsolatedInfra(infra);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const run = (argv: string[]) => {
    const output = new MemoryOutput();
    return simulate(parseArgs(argv) as SimulatorOptions, settings, output).then((result) => ({
      ...result,
      output: output.lines.join('\n'),
    }));
  };

  it.each(['telegram', 'whatsapp', 'messenger', 'sms', 'bridge', 'unipile'] as const)(
    '%s inbound: 200, one inbound row, one verified message.received',
    async (kind) => {
      const result = await run([kind]);
      expect(result).toMatchObject({ exitCode: 0, scenario: 'inbound', answers: [200] });
      expect(result.rows).toEqual([
        expect.objectContaining({ direction: 'inbound', status: 'delivered', message_body: 'Hello from the simulator' }),
      ]);
      expect(result.events.map((event) => [event.type, event.verified])).toEqual([['message.received', true]]);
      expect(result.events[0].data).toMatchObject({ message_id: result.rows[0].id, channel_id: result.channelId });
    },
  );

  it.each(STATUS_OF)('%s %s: the seeded outbound row moves and the subscriber hears it', async (kind, scenario) => {
    const result = await run([kind, scenario]);
    expect(result).toMatchObject({ exitCode: 0, scenario, answers: [200] });
    const [row] = result.rows;
    expect(result.rows).toHaveLength(1);
    expect(row.direction).toBe('outbound');
    if (scenario === 'read') expect([row.status, row.read_at]).toEqual(['delivered', expect.any(String)]);
    else expect(row.status).toBe(scenario);
    expect(result.events.every((event) => event.verified && event.data['message_id'] === row.id)).toBe(true);
    expect(result.events.map((event) => event.type)).toContain(`message.${scenario}`);
  });

  it('reuses the demo channel it created, and every kind refuses a wrong signature with 401 and stores nothing', async () => {
    const first = await run(['whatsapp']);
    const second = await run(['whatsapp']);
    expect(second.channelId).toBe(first.channelId);
    expect(second.output).toContain('(reused;');
    for (const kind of KINDS) {
      const result = await run([kind, 'bad-signature']);
      expect([kind, result.exitCode, result.answers, result.rows]).toEqual([kind, 0, [401], []]);
    }
  });

  it('ses subscription: 200, after the gateway confirmed at the SNS stand-in with the message’s token', async () => {
    const result = await run(['ses', 'subscription']);
    expect(result).toMatchObject({ exitCode: 0, scenario: 'subscription', answers: [200], rows: [], events: [] });
    expect(result.confirmations).toEqual([expect.stringMatching(/^[0-9a-f]{128}$/)]);
    expect(result.output).toContain('?Action=ConfirmSubscription');
  });

  it('a campaign of 200 WhatsApp messages ends with exact counters and one campaign.completed', async () => {
    const result = await run(['whatsapp', 'campaign', '--messages', '200', '--rate', '40', '--batch', '25']);
    expect(result.exitCode).toBe(0);
    expect(result.campaign).toMatchObject({
      messages: 200,
      calls: 24,
      accepted: 24,
      statuses: 600,
      counters: { total_count: 200, delivered_count: 200, read_count: 200, failed_count: 0, status: 'completed' },
    });
    expect(result.campaign?.lagMs).toEqual(expect.any(Number));
    expect(result.campaign?.callMedianMs).toEqual(expect.any(Number));
    expect(result.campaign?.eventCounts).toMatchObject({ 'message.delivered': 200, 'message.read': 200, 'campaign.completed': 1 });
    expect(result.output).toMatch(/throughput: .* calls\/s/);
  }, 60_000);

  it("unipile: each run's gateway registers one webhook at the simulator's stand-in of Unipile's API, and the run ends with it deleted", async () => {
    const first = await run(['unipile']);
    const second = await run(['unipile']);
    expect(second.channelId).toBe(first.channelId);
    expect(second.output).toContain('(reused; webhook registered)');
    for (const result of [first, second]) {
      expect(result.exitCode).toBe(0);
      expect(result.output).toMatch(/unipile API: a local stand-in at http:\/\/127\.0\.0\.1:\d+ .*, holding 1 webhook\(s\) for /);
      expect(result.output).toContain(`channel ${result.channelId} deactivated (webhook unregistered; 0 left at the stand-in)`);
    }
  });

  it('says what it cannot do, with exit code 2', async () => {
    expect(() => parseArgs(['signal'])).toThrow(UsageError);
    for (const argv of [
      ['telegram', 'delivered'],
      ['resend', 'inbound'],
      ['ses', 'inbound'],
      ['ses', 'campaign'],
      ['whatsapp', 'subscription'],
      ['sms', 'campaign'],
      ['sendgrid', 'sent'],
      ['bridge', 'delivered'],
      ['unipile', 'delivered'],
    ]) {
      const result = await run(argv);
      expect([argv, result.exitCode, result.answers]).toEqual([argv, 2, []]);
    }
    // Without the SNS development key (no `npm start` yet) ses says where it comes from.
    const output = new MemoryOutput();
    const withoutKey = await simulate(parseArgs(['ses']) as SimulatorOptions, { ...settings, snsDevPrivateKeyFile: undefined }, output);
    expect([withoutKey.exitCode, withoutKey.answers]).toEqual([2, []]);
    expect(output.lines.join('\n')).toContain('SNS_DEV_PRIVATE_KEY_FILE');
  });
});

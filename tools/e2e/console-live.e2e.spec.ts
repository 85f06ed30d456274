import { createDataSource } from '@inbound/domain';
import {
  createIsolatedInfra,
  dropIsolatedInfra,
  openConsoleBrowser,
  startPipeline,
  type ConsoleBrowser,
  type IsolatedInfra,
  type RunningPipeline,
} from '@inbound/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AdminClient, type ChannelView } from '../simulate/admin-client';
import { type Kind, parseArgs, type SimulatorOptions, type StatusScenario } from '../simulate/args';
import { demoChannel } from '../simulate/demo-channel';
import { MemoryOutput } from '../simulate/output';
import { PROVIDER_KINDS } from '../simulate/provider-calls';
import type { SimulatorSettings } from '../simulate/settings';
import { simulate } from '../simulate/simulate';

const ADMIN_TOKEN = 'console-live-admin-token-0123';
const ACCOUNT_ID = '8b2e6f1a-3c4d-4e5f-9a0b-1c2d3e4f5a6b';
/** Generous: the pipeline takes well under a second; this only bounds a failing run. */
const VISIBLE_WITHIN_MS = 10_000;

/**
 * The operator console in headless Chromium on the gateway of the four built apps running as processes (an isolated
 * database and vhost), fed by `npm run simulate`: a signed provider webhook goes gateway → inbound-worker → outbox →
 * event-dispatcher → platform.events → the gateway's realtime feed → the Live page, and so does a status update.
 */
describe('console Live page fed by the simulator through the running pipeline', () => {
  let infra: IsolatedInfra;
  let pipeline: RunningPipeline | undefined;
  let settings: SimulatorSettings;
  let stateDir: string;
  let browser: ConsoleBrowser;
  let page: Page;
  let whatsapp: ChannelView;
  let messenger: ChannelView;

  beforeAll(async () => {
    infra = await createIsolatedInfra('console-live');
    const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 1 });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();

    // The simulator's settings of `npm start`, and the environment the pipeline runs with there.
    const credentialsKey = randomBytes(32).toString('base64');
    const common = {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      NODE_ENV: 'development',
      CREDENTIALS_KEY: credentialsKey,
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'warn',
    };
    pipeline = await startPipeline(common, { ADMIN_API_TOKEN: ADMIN_TOKEN });
    stateDir = mkdtempSync(join(tmpdir(), 'console-live-'));
    settings = {
      gateway: pipeline.gateway,
      adminToken: ADMIN_TOKEN,
      accountId: ACCOUNT_ID,
      databaseUrl: infra.databaseUrl,
      credentialsKey,
      stateFile: join(stateDir, '.simulator.json'),
    };

    // The simulator's demo channels, made before the page opens so that Live names them; each run below reuses its own.
    const admin = new AdminClient(settings.gateway, settings.adminToken);
    const demo = async (kind: Kind) => {
      const provider = PROVIDER_KINDS[kind];
      if (!provider) throw new Error(`the simulator has no ${kind} kind`);
      return (await demoChannel(admin, provider, settings)).channel;
    };
    whatsapp = await demo('whatsapp');
    messenger = await demo('messenger');

    browser = await openConsoleBrowser();
    page = browser.page;
    await page.goto(`${pipeline.gateway}/console`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.locator('#nav').waitFor();
    await page.fill('#account-id', ACCOUNT_ID);
    await page.click('#account-form button[type=submit]');
    await page.locator('#page-live').waitFor();
    // The stream starts from "now" once live: nothing may be sent before the banner goes.
    await page.locator('#banner').waitFor({ state: 'hidden' });
    await page.locator(`#channel-filter option[value="${messenger.id}"]`).waitFor({ state: 'attached' });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.stop();
    if (infra) await dropIsolatedInfra(infra);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  // A script the CSP blocks, or one that throws, fails the test it happened in.
  afterEach(() => expect(browser.pageErrors).toEqual([]));

  /** `npm run simulate -- <argv>` in this process, against this pipeline. */
  const runSimulator = (argv: string[]) => {
    const output = new MemoryOutput();
    return simulate(parseArgs(argv) as SimulatorOptions, settings, output).then((result) => ({
      ...result,
      output: output.lines.join('\n'),
    }));
  };

  const eventRows = (type: string, channel: ChannelView) => page.locator(`#events tr[data-type="${type}"][data-channel="${channel.id}"]`);

  it('shows a signed WhatsApp message sent by the simulator on Live, and how long it took', async () => {
    // The simulator has no hook at its provider call, so the moment it sends is when it fetches /webhooks/….
    let sentAt: number | undefined;
    const realFetch = globalThis.fetch;
    const watchedFetch = jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      if (sentAt === undefined && init?.method === 'POST' && String(input).includes('/webhooks/')) sentAt = performance.now();
      return realFetch(input, init);
    });
    const received = eventRows('message.received', whatsapp);
    try {
      // The page is watched while the simulator runs: it returns only once its own subscriber heard the event.
      const [result, visibleAt] = await Promise.all([
        runSimulator(['whatsapp']),
        received.waitFor({ timeout: VISIBLE_WITHIN_MS }).then(() => performance.now()),
      ]);
      expect(result).toMatchObject({ exitCode: 0, scenario: 'inbound', answers: [200], channelId: whatsapp.id });
      expect(result.output).toContain('(reused;');
      expect(sentAt).toBeDefined();
      const [stored] = result.rows;
      expect(await received.count()).toBe(1);
      expect(await received.locator('td.summary').textContent()).toContain(`: ${stored.message_body}`);
      expect(await received.locator('td.channel').textContent()).toBe('simulator whatsapp (whatsapp)');
      console.log(`simulator send → visible on Live: ${Math.round(visibleAt - (sentAt as number))} ms (${stored.provider_message_id})`);
    } finally {
      watchedFetch.mockRestore();
    }
  });

  it.each<StatusScenario>(['sent', 'delivered'])('shows the %s status the simulator reports for an outbound message', async (status) => {
    const result = await runSimulator(['whatsapp', status]);
    expect(result).toMatchObject({ exitCode: 0, scenario: status, answers: [200] });
    const [message] = result.rows;
    const update = eventRows(`message.${status}`, whatsapp).filter({ hasText: message.delivery_address });
    await update.waitFor({ timeout: VISIBLE_WITHIN_MS });
    expect(await update.locator('td.summary').textContent()).toBe(`to ${message.delivery_address}: ${status}`);
  });

  it('filters Live by channel', async () => {
    const result = await runSimulator(['messenger']);
    expect(result).toMatchObject({ exitCode: 0, scenario: 'inbound', answers: [200], channelId: messenger.id });
    await eventRows('message.received', messenger).waitFor({ timeout: VISIBLE_WITHIN_MS });
    const shown = page.locator('#events tr');
    const onWhatsApp = page.locator(`#events tr[data-channel="${whatsapp.id}"]`);
    const onMessenger = page.locator(`#events tr[data-channel="${messenger.id}"]`);

    await page.selectOption('#channel-filter', whatsapp.id);
    await onMessenger.first().waitFor({ state: 'detached' });
    // The inbound message, and the sent and delivered updates.
    expect(await onWhatsApp.count()).toBeGreaterThanOrEqual(3);
    expect(await shown.count()).toBe(await onWhatsApp.count());

    await page.selectOption('#channel-filter', messenger.id);
    await onWhatsApp.first().waitFor({ state: 'detached' });
    expect(await shown.count()).toBe(1);
    expect(await onMessenger.count()).toBe(1);

    await page.selectOption('#channel-filter', '');
    await onWhatsApp.first().waitFor();
    expect(await shown.count()).toBe((await onWhatsApp.count()) + 1);
    await browser.shot('live-pipeline');
  });
});

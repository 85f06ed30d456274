import { PLATFORM_EVENTS_EXCHANGE } from '@inbound/contracts';
import { openConsoleBrowser, type ConsoleBrowser } from '@inbound/testing';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import type { WebSocketServer } from 'ws';
import { RealtimeServer } from '../src/app/realtime/realtime-server';
import type { RealtimeSession } from '../src/app/realtime/realtime-session';
import { migratedDataSource, seedChannel, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-the-console-0123456789';
const ACCOUNT = randomUUID();

/**
 * The operator console in a real headless Chromium against the gateway in this process (PostgreSQL and RabbitMQ of the
 * run). Events reach the stream the way the relay sends them: an outbox row stamped with a seq, published to
 * platform.events with its seq and account, so a resume after a cut replays them from the outbox.
 */
describe('operator console (/console) in headless Chromium', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  let receiver: Server;
  let receiverUrl: string;
  let browser: ConsoleBrowser;
  let page: Page;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, OUTBOUND_ALLOW_PRIVATE_URLS: 'true' });
    connection = await connect(process.env.RABBITMQ_URL as string);
    channel = await connection.createConfirmChannel();
    await channel.assertExchange(PLATFORM_EVENTS_EXCHANGE, 'topic', { durable: true });
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks from the receiver'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    browser = await openConsoleBrowser();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await connection?.close();
    await gateway?.stop();
    await dataSource?.destroy();
  });

  // A script the CSP blocks, or one that throws, fails the test it happened in.
  afterEach(() => expect(browser.pageErrors).toEqual([]));

  const shot = (name: string) => browser.shot(name);

  /** Stamps an outbox row as the relay does and publishes it with its seq and account. */
  async function relay(type: string, data: Record<string, unknown>): Promise<string> {
    const id = randomUUID();
    const envelope = { id, type, created_at: new Date().toISOString(), account_id: ACCOUNT, data };
    const [{ seq }] = await dataSource.query(
      `INSERT INTO outbox_events (id, account_id, type, payload, published_at, seq)
       VALUES ($1, $2, $3, $4, now(), nextval('outbox_events_publish_seq')) RETURNING seq::int AS seq`,
      [id, ACCOUNT, type, JSON.stringify(envelope)],
    );
    channel.publish(PLATFORM_EVENTS_EXCHANGE, type, Buffer.from(JSON.stringify(envelope)), {
      messageId: id,
      headers: { 'x-outbox-seq': String(seq), 'x-account-id': ACCOUNT },
    });
    await channel.waitForConfirms();
    return id;
  }

  const received = (channelId: string, body: string) =>
    relay('message.received', {
      message_id: randomUUID(),
      channel_id: channelId,
      channel_type: 'whatsapp',
      provider_message_id: `wamid.${randomUUID()}`,
      sender_address: '15550001111',
      sender_name: 'Ada',
      message_body: body,
      media_url: null,
      media_type: null,
      contact_id: null,
      received_at: new Date().toISOString(),
    });

  const eventRow = (text: string) => page.locator('#events tr', { hasText: text });

  it('serves the page and its files with their content types, cache-control and a strict CSP, and no inline script', async () => {
    const html = await fetch(`${gateway.baseUrl}/console`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('cache-control')).toBe('no-store');
    const csp = html.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await html.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const script = await fetch(`${gateway.baseUrl}/console/js/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('no-cache');
    const etag = script.headers.get('etag') as string;
    const again = await fetch(`${gateway.baseUrl}/console/js/main.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${gateway.baseUrl}/console/console.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${gateway.baseUrl}/console/../package.json`)).status).toBe(404);
    expect((await fetch(`${gateway.baseUrl}/console/js/nope.js`)).status).toBe(404);
  });

  it('asks for the admin token once, refuses a wrong one, then follows the account it is given', async () => {
    await page.goto(`${gateway.baseUrl}/console`);
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type=submit]');
    await page.locator('#login-error', { hasText: 'wrong token' }).waitFor();
    await shot('login');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.locator('#nav').waitFor();
    await page.fill('#account-id', ACCOUNT);
    await page.click('#account-form button[type=submit]');
    await page.locator('#page-live').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('console.admin_token'))).toBe(ADMIN_TOKEN);
    // A reload keeps the tab's token and the remembered account: no second login.
    await page.reload();
    await page.locator('#page-live').waitFor();
    await page.locator('#banner').waitFor({ state: 'hidden' });
  });

  it('creates a channel with the fields its type needs and shows the values to paste, with copy buttons', async () => {
    await page.goto(`${gateway.baseUrl}/console#/channels`);
    await page.selectOption('#channel-kind', 'whatsapp');
    await page.fill('#channel-name', 'Support line');
    await page.fill('#credential-fields input[name=app_secret]', 'meta-app-secret-for-the-console');
    await page.fill('#credential-fields input[name=verify_token]', 'verify-me-please');
    await page.click('#create-channel button[type=submit]');
    const created = page.locator('#created-channel');
    await created.locator('code[data-field=verify_token]', { hasText: 'verify-me-please' }).waitFor();
    await created.locator('code[data-field=url]', { hasText: '/webhooks/whatsapp/' }).waitFor();
    expect(await created.locator('button.copy').count()).toBeGreaterThanOrEqual(3);
    await page.locator('#channels article.channel', { hasText: 'Support line' }).waitFor();

    // What the server refuses is shown with the field it names.
    await page.selectOption('#channel-kind', 'sms');
    await page.fill('#channel-name', 'Bad SMS');
    await page.fill('#credential-fields input[name=account_sid]', 'not-a-sid');
    await page.fill('#credential-fields input[name=auth_token]', 'token');
    await page.click('#create-channel button[type=submit]');
    await page.locator('#channel-form-error', { hasText: 'credentials.account_sid' }).waitFor();

    // Every channel type can be created here: the bridge's secret is generated and shown once.
    const kinds = await page
      .locator('#channel-kind option')
      .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
    for (const kind of [
      'telegram',
      'whatsapp',
      'messenger',
      'sms',
      'resend',
      'sendgrid',
      'ses',
      'mailgun',
      'postmark',
      'bridge',
      'unipile',
    ])
      expect(kinds).toContain(kind);
    await page.selectOption('#channel-kind', 'bridge');
    await page.fill('#channel-name', 'Store bridge');
    await page.click('#create-channel button[type=submit]');
    await created.locator('code[data-field=webhook_secret]').waitFor();
    await page.locator('#channels article.channel', { hasText: 'Store bridge' }).waitFor();
    await page.fill('#channel-name', '');
    await shot('channels');
  });

  it('shows an event published for the account on Live as it arrives, filterable by channel', async () => {
    const listing = await fetch(`${gateway.baseUrl}/channels?account_id=${ACCOUNT}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { channels } = (await listing.json()) as { channels: Array<{ id: string; name: string }> };
    const channelId = channels.find((channel) => channel.name === 'Support line')?.id as string;
    const other = randomUUID();
    await page.goto(`${gateway.baseUrl}/console#/live`);
    await page.locator('#banner').waitFor({ state: 'hidden' });
    await received(channelId, 'hello from the live page');
    await received(other, 'on another channel');
    const row = eventRow('hello from the live page');
    await row.waitFor();
    expect(await row.locator('td.type').textContent()).toBe('message.received');
    expect(await row.locator('td.channel').textContent()).toBe('Support line (whatsapp)');
    await eventRow('on another channel').waitFor();

    await page.selectOption('#channel-filter', channelId);
    await eventRow('on another channel').waitFor({ state: 'detached' });
    await row.waitFor();
    await page.selectOption('#channel-filter', '');
    await shot('live');
  });

  it('moves a campaign’s bars when its counters change and a status event arrives', async () => {
    const seeded = await seedChannel(
      dataSource,
      'whatsapp',
      { app_secret: 'campaign-secret' },
      { account_id: ACCOUNT, name: 'Promo line' },
    );
    const campaignId = randomUUID();
    await dataSource.query(
      `INSERT INTO group_messages (id, account_id, channel_id, total_count, delivered_count, failed_count, read_count, status)
       VALUES ($1, $2, $3, 10, 2, 1, 1, 'processing')`,
      [campaignId, ACCOUNT, seeded.id],
    );
    await page.goto(`${gateway.baseUrl}/console#/campaigns`);
    const campaign = page.locator(`article.campaign[data-id="${campaignId}"]`);
    await campaign.locator('.count[data-kind=delivered]', { hasText: '2 / 10' }).waitFor();

    await dataSource.query(`UPDATE group_messages SET delivered_count = 7, read_count = 4, updated_at = now() WHERE id = $1`, [campaignId]);
    await relay('message.delivered', {
      message_id: randomUUID(),
      channel_id: seeded.id,
      channel_type: 'whatsapp',
      provider_message_id: 'wamid.x',
      group_message_id: campaignId,
      delivery_address: '15550002222',
      status: 'delivered',
      previous_status: 'sent',
      occurred_at: new Date().toISOString(),
    });
    await campaign.locator('.count[data-kind=delivered]', { hasText: '7 / 10' }).waitFor();
    await campaign.locator('.count[data-kind=read]', { hasText: '4 / 10' }).waitFor();
    expect(await campaign.locator('progress[data-kind=delivered]').evaluate((bar) => (bar as unknown as { value: number }).value)).toBe(7);

    await dataSource.query(`UPDATE group_messages SET delivered_count = 9, status = 'completed', updated_at = now() WHERE id = $1`, [
      campaignId,
    ]);
    await relay('campaign.completed', {
      group_message_id: campaignId,
      channel_id: seeded.id,
      total_count: 10,
      delivered_count: 9,
      failed_count: 1,
      read_count: 4,
    });
    await campaign.locator('.status.completed').waitFor();
    await shot('campaigns');
  });

  it('creates a subscription, shows its secret once, sends a test and shows the receiver’s answer and the attempt', async () => {
    await page.goto(`${gateway.baseUrl}/console#/subscriptions`);
    await page.fill('#create-subscription input[name=url]', receiverUrl);
    await page.fill('#create-subscription input[name=description]', 'CRM sync');
    await page.check('#create-subscription input[value="message.delivered"]');
    await page.click('#create-subscription button[type=submit]');
    const secret = await page.locator('#new-secret code[data-field=secret]').textContent();
    expect(secret).toMatch(/^whsec_/);
    const card = page.locator('#subscriptions article.subscription', { hasText: receiverUrl });
    await card.waitFor();
    expect(await card.textContent()).toContain('message.received, message.delivered');

    await card.locator('button.test').click();
    await card.locator('.test-answer.ok', { hasText: 'status 200' }).waitFor();
    await card.locator('pre.response-body', { hasText: 'thanks from the receiver' }).waitFor();

    await card.locator('button.show-log').click();
    const delivery = card.locator('table.delivery-log tbody tr[data-id]', { hasText: 'webhook.test' });
    await delivery.waitFor();
    await delivery.locator('button.attempts-button').click();
    await card.locator('table.attempts td', { hasText: 'thanks from the receiver' }).waitFor();
    await delivery.locator('button.redeliver').click();
    await card.locator('.action-result', { hasText: 'queued again' }).waitFor();
    await shot('subscriptions');
  });

  it('shows "offline — reconnecting" while the socket is down, then the events published meanwhile', async () => {
    const [{ id: channelId }] = await dataSource.query(`SELECT id FROM channels WHERE account_id = $1 AND name = 'Support line'`, [
      ACCOUNT,
    ]);
    await page.goto(`${gateway.baseUrl}/console#/live`);
    await page.locator('#banner').waitFor({ state: 'hidden' });
    await received(channelId, 'before the cut');
    await eventRow('before the cut').waitFor();

    // The server ends every session and refuses new upgrades until the events below are published.
    const realtime = gateway.app.get(RealtimeServer) as unknown as { sessions: Set<RealtimeSession>; server: WebSocketServer };
    const handleUpgrade = realtime.server.handleUpgrade;
    realtime.server.handleUpgrade = ((_request: unknown, socket: { destroy: () => void }) => socket.destroy()) as never;
    try {
      for (const session of realtime.sessions) session.close(1001, 'cut by the test');
      await page.locator('#banner', { hasText: 'offline — reconnecting' }).waitFor();
      await received(channelId, 'while offline 1');
      await received(channelId, 'while offline 2');
      await shot('live-offline');
    } finally {
      realtime.server.handleUpgrade = handleUpgrade;
    }
    await page.locator('#banner').waitFor({ state: 'hidden', timeout: 30_000 });
    await eventRow('while offline 1').waitFor();
    await eventRow('while offline 2').waitFor();
    expect(await eventRow('before the cut').count()).toBe(1);
  }, 60_000);
});

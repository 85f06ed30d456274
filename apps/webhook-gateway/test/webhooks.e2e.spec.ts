import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNT_ID, migratedDataSource, QueueProbe, seedChannel, startGateway, type RunningGateway } from './support/gateway-harness';
import { metaSignature, post } from './support/signing';

const fixture = (provider: string, name: string) =>
  readFileSync(join(__dirname, '../../../libs/adapters/src', provider, 'fixtures', `${name}.json`), 'utf8');

const APP_SECRET = 'whatsapp-app-secret-for-tests';
const VERIFY_TOKEN = 'verify-token-for-tests-0123456789';

describe('webhook gateway over real HTTP, RabbitMQ and PostgreSQL', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let probe: QueueProbe;
  let whatsappId: string;
  let messengerId: string;
  let inactiveId: string;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    probe = await QueueProbe.open();
    whatsappId = (await seedChannel(dataSource, 'whatsapp', { app_secret: APP_SECRET, verify_token: VERIFY_TOKEN })).id;
    messengerId = (await seedChannel(dataSource, 'messenger', { app_secret: APP_SECRET, verify_token: VERIFY_TOKEN })).id;
    inactiveId = (await seedChannel(dataSource, 'whatsapp', { app_secret: APP_SECRET }, { is_active: false })).id;
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.stop();
    await probe?.close();
    await dataSource?.destroy();
  });

  beforeEach(() => probe.purge());

  const whatsappUrl = () => `${gateway.baseUrl}/webhooks/whatsapp/${whatsappId}`;
  const signedWhatsApp = (body: string) =>
    post(whatsappUrl(), body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) });

  it('publishes a WhatsApp status update to message.status.update before answering 200', async () => {
    const response = await signedWhatsApp(fixture('whatsapp', 'status-delivered'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });

    const [message, ...rest] = await probe.drain(STATUS_QUEUE);
    expect(rest).toHaveLength(0);
    expect(message.fields.exchange).toBe('message.status');
    expect(message.fields.routingKey).toBe('message.status.delivered');
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.contentType).toBe('application/json');
    const event = JSON.parse(message.content.toString());
    expect(message.properties.messageId).toBe(event.event_id);
    expect(event).toMatchObject({
      channel_id: whatsappId,
      account_id: ACCOUNT_ID,
      channel_type: 'whatsapp',
      provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA',
      status: 'delivered',
      timestamp: '2025-06-18T16:22:53.000Z',
    });
  });

  it('publishes an inbound WhatsApp message to webhook.inbound', async () => {
    expect((await signedWhatsApp(fixture('whatsapp', 'text-message'))).status).toBe(200);
    const [message] = await probe.drain(INBOUND_QUEUE);
    expect(message.fields.routingKey).toBe('webhook.inbound.whatsapp');
    expect(JSON.parse(message.content.toString())).toMatchObject({
      channel_id: whatsappId,
      channel_type: 'whatsapp',
      sender_address: '16505551234',
      sender_name: 'Sheena Nelson',
      message_body: 'Does it come in another color?',
    });
  });

  it('makes every event of a call durable before it answers', async () => {
    const payload = JSON.parse(fixture('whatsapp', 'status-delivered'));
    const template = payload.entry[0].changes[0].value.statuses[0];
    payload.entry[0].changes[0].value.statuses = Array.from({ length: 50 }, (_, i) => ({ ...template, id: `wamid.MANY${i}` }));
    const response = await signedWhatsApp(JSON.stringify(payload));
    expect(response.status).toBe(200);
    // No waiting: an answered call's events are already in the queue.
    expect(await probe.count(STATUS_QUEUE)).toBe(50);
  });

  it('answers the same call twice with the same event ids (a provider retry is recognisable)', async () => {
    const body = fixture('whatsapp', 'status-read');
    await signedWhatsApp(body);
    await signedWhatsApp(body);
    const ids = (await probe.drain(STATUS_QUEUE)).map((m) => m.properties.messageId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  describe('answers what it cannot accept with the contract codes', () => {
    const body = () => fixture('whatsapp', 'status-delivered');

    it.each([
      ['an unknown channel', () => `${gateway.baseUrl}/webhooks/whatsapp/${randomUUID()}`],
      ['a channel id that is not a UUID', () => `${gateway.baseUrl}/webhooks/whatsapp/not-a-uuid`],
      ['an inactive channel', () => `${gateway.baseUrl}/webhooks/whatsapp/${inactiveId}`],
      ['a route of another type than the channel', () => `${gateway.baseUrl}/webhooks/telegram/${whatsappId}`],
      ['an unknown route type', () => `${gateway.baseUrl}/webhooks/fax/${whatsappId}`],
    ])('404 for %s', async (_case, url) => {
      const response = await post(url(), body(), {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(APP_SECRET, body()),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found' });
    });

    it.each([
      ['no signature', () => ({ 'content-type': 'application/json' })],
      [
        'a signature made with another secret',
        () => ({ 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('another-secret', body()) }),
      ],
      [
        'a signature of another body',
        () => ({
          'content-type': 'application/json',
          'x-hub-signature-256': metaSignature(APP_SECRET, body().replace('delivered', 'read')),
        }),
      ],
      ['garbage in the header', () => ({ 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=zz' })],
    ])('401 for %s, and nothing published', async (_case, headers) => {
      const response = await post(whatsappUrl(), body(), headers());
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
      expect(await probe.count(STATUS_QUEUE)).toBe(0);
    });

    it('401 for a body tampered by one byte after signing', async () => {
      const original = Buffer.from(body());
      const signature = metaSignature(APP_SECRET, original);
      const tampered = Buffer.from(original);
      tampered[tampered.indexOf('1750263773')] ^= 1;
      const response = await post(whatsappUrl(), tampered, { 'content-type': 'application/json', 'x-hub-signature-256': signature });
      expect(response.status).toBe(401);
    });

    it('400 for a verified body that is not JSON, even when it claims to be', async () => {
      const garbage = '{"object": "whatsapp_business_account", "entry": [';
      const response = await signedWhatsApp(garbage);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_payload');
      expect(await probe.count(STATUS_QUEUE)).toBe(0);
    });

    it('401 (not 400) for an unsigned body that is not JSON: the signature is checked first', async () => {
      const response = await post(whatsappUrl(), 'not json at all', { 'content-type': 'application/json' });
      expect(response.status).toBe(401);
    });

    it('413 for a body over the 4 MiB limit of the Meta routes', async () => {
      const huge = JSON.stringify({ object: 'whatsapp_business_account', padding: 'x'.repeat(4 * 1024 * 1024) });
      const response = await signedWhatsApp(huge);
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: 'payload_too_large' });
      const messenger = await post(`${gateway.baseUrl}/webhooks/messenger/${messengerId}`, huge, { 'content-type': 'application/json' });
      expect(messenger.status).toBe(413);
    });

    it('413 for a body over the 1 MiB limit on the other routes', async () => {
      const twoMiB = JSON.stringify({ update_id: 1, padding: 'x'.repeat(2 * 1024 * 1024) });
      for (const type of ['telegram', 'sms', 'email']) {
        const response = await post(`${gateway.baseUrl}/webhooks/${type}/${randomUUID()}`, twoMiB, { 'content-type': 'application/json' });
        expect(response.status).toBe(413);
        expect(await response.json()).toEqual({ error: 'payload_too_large' });
      }
    });

    it('accepts a 3 MB WhatsApp batch, as Meta documents them, and publishes every status in it', async () => {
      const payload = JSON.parse(fixture('whatsapp', 'status-delivered'));
      const template = payload.entry[0].changes[0].value.statuses[0];
      const statuses = Array.from({ length: 6_000 }, (_, n) => ({
        ...template,
        id: `wamid.BIG${n}`,
        biz_opaque_callback_data: 'p'.repeat(400),
      }));
      payload.entry[0].changes[0].value.statuses = statuses;
      const body = JSON.stringify(payload);
      expect(body.length).toBeGreaterThan(3_000_000);
      const response = await signedWhatsApp(body);
      expect(response.status).toBe(200);
      expect(await probe.count(STATUS_QUEUE)).toBe(6_000);
    });

    it('never answers 5xx to random or mutated bodies on any route', async () => {
      const base = Buffer.from(body());
      const routes = ['whatsapp', 'messenger', 'telegram', 'sms', 'email'];
      let seed = 42;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const statuses = new Set<number>();
      for (let i = 0; i < 500; i++) {
        const mutated = Buffer.from(base);
        for (let j = 0; j < 1 + Math.floor(random() * 8); j++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        const payload =
          i % 5 === 0 ? Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))) : mutated;
        const type = routes[i % routes.length];
        const id = type === 'whatsapp' ? whatsappId : type === 'messenger' ? messengerId : randomUUID();
        const signed = i % 2 === 0;
        const response = await post(`${gateway.baseUrl}/webhooks/${type}/${id}`, payload, {
          'content-type': i % 3 === 0 ? 'application/x-www-form-urlencoded' : i % 3 === 1 ? 'text/plain' : 'application/json',
          ...(signed ? { 'x-hub-signature-256': metaSignature(APP_SECRET, payload) } : {}),
        });
        statuses.add(response.status);
        expect(response.status).toBeLessThan(500);
      }
      expect([...statuses].sort()).toEqual(expect.arrayContaining([401, 404]));
    });
  });

  describe("Meta's subscription challenge", () => {
    const challengeUrl = (id: string, token: string, type = 'whatsapp') =>
      `${gateway.baseUrl}/webhooks/${type}/${id}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;

    it.each(['whatsapp', 'messenger'])('%s: echoes the challenge as text/plain when the token matches', async (type) => {
      const response = await fetch(challengeUrl(type === 'whatsapp' ? whatsappId : messengerId, VERIFY_TOKEN, type));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toBe('1158201444');
    });

    it('403 when the token does not match', async () => {
      expect((await fetch(challengeUrl(whatsappId, 'wrong-token'))).status).toBe(403);
      expect((await fetch(challengeUrl(whatsappId, VERIFY_TOKEN.slice(0, -1)))).status).toBe(403);
    });

    it('404 for a route without a challenge or an unknown channel', async () => {
      expect((await fetch(challengeUrl(whatsappId, VERIFY_TOKEN, 'telegram'))).status).toBe(404);
      expect((await fetch(challengeUrl(randomUUID(), VERIFY_TOKEN))).status).toBe(404);
    });
  });

  it('serves /webhooks/health with the endpoint list', async () => {
    const response = await fetch(`${gateway.baseUrl}/webhooks/health`);
    const body = (await response.json()) as { endpoints: Record<string, string>; timestamp: string };
    expect(body).toMatchObject({ status: 'healthy', service: 'webhook-gateway' });
    expect(Object.keys(body.endpoints).sort()).toEqual(['bridge', 'email', 'messenger', 'sms', 'telegram', 'unipile', 'whatsapp']);
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });

  it('counts outcomes and rejection reasons in /metrics', async () => {
    await signedWhatsApp(fixture('whatsapp', 'status-sent'));
    await post(whatsappUrl(), '{}', { 'content-type': 'application/json' });
    const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    expect(text).toMatch(/gateway_webhook_requests_total\{channel_type="whatsapp",outcome="accepted",service="webhook-gateway"\} \d+/);
    expect(text).toMatch(
      /gateway_webhook_rejections_total\{channel_type="whatsapp",reason="missing_signature",service="webhook-gateway"\} \d+/,
    );
    expect(text).toMatch(/gateway_events_published_total\{routing_key="message.status.sent",service="webhook-gateway"\} \d+/);
  });

  describe('failed verifications from one address', () => {
    let throttled: RunningGateway;
    let direct: RunningGateway;

    beforeAll(async () => {
      throttled = await startGateway({ SIGNATURE_FAILURE_LIMIT: '3', SIGNATURE_FAILURE_WINDOW_MS: '60000', TRUST_PROXY_HOPS: '1' });
      direct = await startGateway({ SIGNATURE_FAILURE_LIMIT: '3', SIGNATURE_FAILURE_WINDOW_MS: '60000' });
    });

    afterAll(async () => {
      await throttled?.stop();
      await direct?.stop();
    });

    const body = fixture('whatsapp', 'status-sent');
    const call = (on: RunningGateway, from: string, signature: string) =>
      post(`${on.baseUrl}/webhooks/whatsapp/${whatsappId}`, body, {
        'content-type': 'application/json',
        'x-hub-signature-256': signature,
        'x-forwarded-for': from,
      });
    const forged = 'sha256=' + '0'.repeat(64);

    it('answer 429 with Retry-After past the limit, while calls that verify from that address still get 200', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(throttled, '203.0.113.7', forged)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const refused = await call(throttled, '203.0.113.7', forged);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toEqual({ error: 'too_many_failed_verifications' });
      expect((await call(throttled, '203.0.113.7', metaSignature(APP_SECRET, body))).status).toBe(200);
      // Another address is counted apart.
      expect((await call(throttled, '198.51.100.1', forged)).status).toBe(401);
      const text = await (await fetch(`${throttled.baseUrl}/metrics`)).text();
      expect(text).toMatch(/gateway_webhook_throttled_total\{channel_type="whatsapp",service="webhook-gateway"\} 3/);
    });

    it('count the peer address, not X-Forwarded-For, unless TRUST_PROXY_HOPS says a proxy sets it', async () => {
      const statuses: number[] = [];
      // A caller that changes its X-Forwarded-For on every call is still one address.
      for (let i = 0; i < 5; i++) statuses.push((await call(direct, `192.0.2.${i}`, forged)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });
  });
});

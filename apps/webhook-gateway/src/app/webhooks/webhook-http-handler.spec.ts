import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../config/gateway-config';
import { ANSWERS } from './webhook-answer';
import { WebhookHttpHandler, webhookRoute } from './webhook-http-handler';
import type { WebhookCall, WebhookService } from './webhook.service';

describe('webhookRoute', () => {
  it('reads the channel type and id, with or without a query', () => {
    expect(webhookRoute('/webhooks/whatsapp/0b7c9d2e-1f00-4a5b-8c6d-7e8f9a0b1c2d')).toEqual({
      type: 'whatsapp',
      channelId: '0b7c9d2e-1f00-4a5b-8c6d-7e8f9a0b1c2d',
    });
    expect(webhookRoute('/webhooks/sms/abc?sig=1&x=%2F')).toEqual({ type: 'sms', channelId: 'abc' });
  });

  it('decodes escaped segments, and calls a broken escape malformed', () => {
    expect(webhookRoute('/webhooks/telegram/a%20b')).toEqual({ type: 'telegram', channelId: 'a b' });
    expect(webhookRoute('/webhooks/telegram/%E0%A4%A')).toBe('malformed');
  });

  it('leaves every other path to the framework', () => {
    for (const url of [
      '/webhooks/health',
      '/webhooks/whatsapp/',
      '/webhooks//x',
      '/webhooks/a/b/c',
      '/webhooks/a/b/',
      '/channels/x/y',
      '/webhooksx/a/b',
    ]) {
      expect(webhookRoute(url)).toBeNull();
    }
  });
});

/** The handler on a real node:http server; the service behind it records the calls it is given. */
describe('WebhookHttpHandler', () => {
  const calls: WebhookCall[] = [];
  let handler: WebhookHttpHandler;
  let server: Server;
  let base: string;
  let fellThrough = 0;

  beforeAll(async () => {
    const service = {
      receive: async (call: WebhookCall) => {
        calls.push(call);
        return call.channelId === 'explodes'
          ? Promise.reject(new Error('boom'))
          : ANSWERS.accepted({ contentType: 'application/json', body: '{"ok":true}' });
      },
    } as unknown as WebhookService;
    handler = new WebhookHttpHandler(service, { default: 64, larger: { whatsapp: 256 } }, { trustProxyHops: 1 } as GatewayConfig);
    server = createServer((request, response) => {
      if (handler.handle(request, response)) return;
      fellThrough += 1;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    calls.length = 0;
    fellThrough = 0;
  });

  /** A body sent in chunks with no Content-Length, as a streaming client does. */
  const chunked = (path: string, chunks: string[]) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);

  it('hands over the exact bytes, the path and query, the request id and the address the trusted proxy saw', async () => {
    const response = await fetch(`${base}/webhooks/sms/chan-1?a=1&a=2`, {
      method: 'POST',
      body: 'From=%2B1555&Body=hi',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-request-id': 'given-id',
        'x-forwarded-for': '198.51.100.9, 203.0.113.7',
      },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"ok":true}');
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call.rawBody.toString()).toBe('From=%2B1555&Body=hi');
    expect(call).toMatchObject({
      routeType: 'sms',
      channelId: 'chan-1',
      pathAndQuery: '/webhooks/sms/chan-1?a=1&a=2',
      method: 'POST',
      query: { a: ['1', '2'] },
      requestId: 'given-id',
      sourceAddress: '203.0.113.7',
    });
  });

  it('joins a chunked body within the limit', async () => {
    const response = await chunked('/webhooks/whatsapp/chan-1', ['{"a":', '"b"}']);
    expect(response.status).toBe(200);
    expect(calls.map((call) => call.rawBody.toString())).toEqual(['{"a":"b"}']);
    expect(calls[0].requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('answers 413 to a chunked body that outgrows its route’s limit, and calls nothing', async () => {
    const response = await chunked('/webhooks/telegram/chan-1', ['x'.repeat(40), 'x'.repeat(40)]).catch((error: Error) => error);
    // The connection is closed once the answer is sent; a client still sending may see the close first.
    if (response instanceof Response) {
      expect(response.status).toBe(413);
      expect(response.headers.get('connection')).toBe('close');
      expect(await response.json()).toEqual({ error: 'payload_too_large' });
    }
    // The larger limit of another type takes the same 80 bytes.
    expect((await chunked('/webhooks/whatsapp/chan-1', ['x'.repeat(40), 'x'.repeat(40)])).status).toBe(200);
    expect(calls.map((call) => call.routeType)).toEqual(['whatsapp']);
  });

  it('gives a route type named like an Object property the default limit, not a limit found on the prototype', async () => {
    const response = await fetch(`${base}/webhooks/constructor/chan-1`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(calls.map((call) => call.routeType)).toEqual(['constructor']);
  });

  it('answers 413 from Content-Length alone', async () => {
    const response = await fetch(`${base}/webhooks/telegram/chan-1`, { method: 'POST', body: 'x'.repeat(65) });
    expect(response.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('answers 400 to a broken escape and 503 when the service fails, never 500', async () => {
    expect((await fetch(`${base}/webhooks/telegram/%E0%A4%A`, { method: 'POST', body: '{}' })).status).toBe(400);
    const failed = await fetch(`${base}/webhooks/telegram/explodes`, { method: 'POST', body: '{}' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
  });

  it('leaves other methods and paths to the framework', async () => {
    expect((await fetch(`${base}/webhooks/whatsapp/chan-1`)).status).toBe(204);
    expect((await fetch(`${base}/webhooks/health`, { method: 'POST', body: '{}' })).status).toBe(204);
    expect(fellThrough).toBe(2);
    expect(calls).toHaveLength(0);
  });

  it('answers 503 and closes once the process is closing', async () => {
    handler.close();
    const response = await fetch(`${base}/webhooks/whatsapp/chan-1`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(response.headers.get('connection')).toBe('close');
    expect(calls).toHaveLength(0);
  });
});

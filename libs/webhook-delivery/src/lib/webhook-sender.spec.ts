import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { sendWebhook, WebhookSender, type HostResolver, type WebhookRequest } from './webhook-sender';

interface TestServer {
  url: string;
  port: number;
  /** Requests that reached the server. */
  requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }>;
  connections: number;
  close(): Promise<void>;
}

/** A plain HTTP server on an ephemeral port of `host`, recording what reaches it. */
async function startServer(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  host = '127.0.0.1',
  port = 0,
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      answer(req, res);
    });
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    requests,
    get connections() {
      return state.connections;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const post = (url: string): WebhookRequest => ({
  url,
  body: '{"type":"message.received"}',
  headers: { 'content-type': 'application/json' },
});
const resolveTo =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address) => ({ address, family: net.isIP(address) }));

describe('WebhookSender', () => {
  const servers: TestServer[] = [];
  const senders: WebhookSender[] = [];
  const server = async (answer: Parameters<typeof startServer>[0], host?: string, port?: number) => {
    const started = await startServer(answer, host, port);
    servers.push(started);
    return started;
  };
  const sender = (options: ConstructorParameters<typeof WebhookSender>[0] = {}) => {
    const created = new WebhookSender({ allowPrivateNetworks: true, timeoutMs: 2_000, ...options });
    senders.push(created);
    return created;
  };

  afterEach(async () => {
    senders.splice(0).forEach((created) => created.close());
    await Promise.all(servers.splice(0).map((started) => started.close()));
  });

  describe('answers', () => {
    it('posts the body and headers and reports a 2xx as ok', async () => {
      const target = await server((_req, res) => res.writeHead(200).end('thanks'));
      const outcome = await sender().send({
        ...post(`${target.url}/hooks?x=1`),
        headers: { 'content-type': 'application/json', 'x-event-type': 'a.b' },
      });
      expect(outcome).toEqual({
        ok: true,
        status: 200,
        responseBody: 'thanks',
        errorClass: null,
        error: null,
        durationMs: expect.any(Number),
        retryAfterMs: null,
      });
      expect(target.requests).toEqual([
        expect.objectContaining({ method: 'POST', url: '/hooks?x=1', body: '{"type":"message.received"}' }),
      ]);
      expect(target.requests[0].headers).toMatchObject({
        'x-event-type': 'a.b',
        'content-length': '27',
        'content-type': 'application/json',
      });
    });

    it('reports a request Node refuses to build (a header it will not write) as a failed attempt, and sends nothing', async () => {
      const target = await server((_req, res) => res.writeHead(200).end());
      const outcome = await sender({ timeoutMs: 50 }).send({
        ...post(`${target.url}/hooks`),
        headers: { 'content-type': 'application/json', 'x-note': 'line\nbreak' },
      });
      expect(outcome).toMatchObject({ ok: false, status: null, errorClass: 'other', error: expect.stringContaining('x-note') });
      // Past the attempt's deadline: nothing fires for a request that never existed.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(target.requests).toEqual([]);
    });

    it('never follows a redirect: a 3xx is an answer that is not ok', async () => {
      const elsewhere = await server((_req, res) => res.writeHead(200).end());
      const redirecting = await server((_req, res) => res.writeHead(307, { location: `${elsewhere.url}/moved` }).end());
      const outcome = await sender().send(post(redirecting.url));
      expect(outcome).toMatchObject({ ok: false, status: 307, errorClass: null });
      expect(elsewhere.requests).toHaveLength(0);
    });

    it.each([400, 500])('keeps the first 2048 bytes of a %i body', async (status) => {
      const target = await server((_req, res) => res.writeHead(status).end('é'.repeat(3000)));
      const outcome = await sender().send(post(target.url));
      expect(outcome).toMatchObject({ ok: false, status, errorClass: null });
      expect(Buffer.byteLength(outcome.responseBody)).toBe(2048);
    });

    it('stops reading a body that does not end', async () => {
      const target = await server((_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'.repeat(512)), 5);
        res.on('close', () => clearInterval(timer));
      });
      const outcome = await sender({ timeoutMs: 5_000, responseBodyLimit: 1000 }).send(post(target.url));
      expect(outcome).toMatchObject({ ok: true, status: 200, errorClass: null });
      expect(outcome.responseBody).toBe('x'.repeat(1000));
    });

    it('reads Retry-After in seconds', async () => {
      const target = await server((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
      expect(await sender().send(post(target.url))).toMatchObject({ ok: false, status: 429, retryAfterMs: 7000 });
    });

    it('reads Retry-After as an HTTP-date', async () => {
      const target = await server((_req, res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end());
      const { status, retryAfterMs } = await sender().send(post(target.url));
      expect(status).toBe(503);
      expect(retryAfterMs).toBeGreaterThan(110_000);
      expect(retryAfterMs).toBeLessThanOrEqual(120_000);
    });

    it('keeps the connection open for the next delivery to the same origin', async () => {
      const target = await server((_req, res) => res.writeHead(204).end());
      const kept = sender({ maxSocketsPerOrigin: 1 });
      expect((await kept.send(post(target.url))).ok).toBe(true);
      expect((await kept.send(post(target.url))).ok).toBe(true);
      expect(target.connections).toBe(1);
    });

    it('sendWebhook makes one attempt on a connection of its own', async () => {
      const target = await server((_req, res) => res.writeHead(202).end());
      expect(await sendWebhook(post(target.url), { allowPrivateNetworks: true })).toMatchObject({ ok: true, status: 202 });
    });
  });

  describe('failures, classified and never thrown', () => {
    it('times out a server that never answers', async () => {
      const silent = await server(() => undefined);
      const outcome = await sender({ timeoutMs: 300 }).send(post(silent.url));
      expect(outcome).toMatchObject({ ok: false, status: null, errorClass: 'timeout', responseBody: '' });
      expect(outcome.error).toEqual(expect.any(String));
    });

    it('reports a server that drops the connection as reset', async () => {
      const dropping = await server((req) => req.socket.destroy());
      expect(await sender().send(post(dropping.url))).toMatchObject({ ok: false, status: null, errorClass: 'reset' });
    });

    it('reports a closed port as refused', async () => {
      const port = await closedPort();
      expect(await sender().send(post(`http://127.0.0.1:${port}/`))).toMatchObject({ ok: false, status: null, errorClass: 'refused' });
    });

    it('reports https to a server that does not speak TLS as tls', async () => {
      const plain = await server((_req, res) => res.writeHead(200).end());
      const outcome = await sender().send(post(`https://127.0.0.1:${plain.port}/`));
      expect(outcome).toMatchObject({ ok: false, status: null, errorClass: 'tls' });
      expect(plain.requests).toHaveLength(0);
    });

    it('sends the URL host name as TLS SNI while connecting to the resolved address', async () => {
      const hellos: Buffer[] = [];
      const raw = net.createServer((socket) => socket.once('data', (hello: Buffer) => (hellos.push(hello), socket.destroy())));
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = raw.address() as AddressInfo;
        const outcome = await sender({ resolve: resolveTo('127.0.0.1') }).send(post(`https://hooks.customer.test:${port}/`));
        expect(outcome.errorClass).toBe('tls');
        expect(hellos).toHaveLength(1);
        expect(hellos[0].includes('hooks.customer.test')).toBe(true);
      } finally {
        await new Promise((resolve) => raw.close(resolve));
      }
    });

    it('reports a name that does not resolve as dns', async () => {
      const notFound: HostResolver = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
      };
      const outcome = await sender({ resolve: notFound }).send(post('https://nowhere.test/hook'));
      expect(outcome).toMatchObject({ ok: false, status: null, errorClass: 'dns' });
      expect(outcome.error).toContain('ENOTFOUND');
    });

    it('reports what is not an http(s) URL as other', async () => {
      expect(await sender().send(post('ftp://example.com/'))).toMatchObject({ ok: false, errorClass: 'other' });
      expect(await sender().send(post('not a url'))).toMatchObject({ ok: false, errorClass: 'other' });
    });
  });

  describe('destination guard', () => {
    it('refuses loopback unless private networks are allowed', async () => {
      const local = await server((_req, res) => res.writeHead(200).end());
      const refused = await sender({ allowPrivateNetworks: false }).send(post(local.url));
      expect(refused).toMatchObject({ ok: false, status: null, errorClass: 'blocked_address' });
      expect(refused.error).toContain('127.0.0.1');
      expect(local.requests).toHaveLength(0);
      expect(await sender({ allowPrivateNetworks: true }).send(post(local.url))).toMatchObject({ ok: true, status: 200 });
    });

    it.each(['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://[::ffff:169.254.169.254]/'])(
      'refuses the cloud metadata address %s even when private networks are allowed',
      async (url) => {
        expect(await sender({ allowPrivateNetworks: true }).send(post(url))).toMatchObject({ ok: false, errorClass: 'blocked_address' });
      },
    );

    it('refuses a name when any one of its addresses is refused', async () => {
      const local = await server((_req, res) => res.writeHead(200).end());
      const outcome = await sender({ allowPrivateNetworks: false, resolve: resolveTo('93.184.215.14', '127.0.0.1') }).send(
        post(`http://mixed.test:${local.port}/`),
      );
      expect(outcome).toMatchObject({ errorClass: 'blocked_address' });
      expect(local.requests).toHaveLength(0);
    });

    it('connects to the address it checked, not to what the name resolves to a moment later (DNS rebinding)', async () => {
      const loopback = await server((_req, res) => res.writeHead(200).end());
      let calls = 0;
      const rebinding: HostResolver = async () => [{ address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
      const outcome = await sender({ allowPrivateNetworks: false, timeoutMs: 300, resolve: rebinding }).send(
        post(`http://rebind.test:${loopback.port}/`),
      );
      expect(outcome.ok).toBe(false);
      expect(outcome.status).toBeNull();
      expect(calls).toBe(1);
      expect(loopback.requests).toHaveLength(0);
      expect(loopback.connections).toBe(0);
    });

    it('uses the one resolution for check and connect, also when the second answer would be allowed', async () => {
      const checked = await server((_req, res) => res.writeHead(200).end('checked'), '127.0.0.2');
      // Same port on the second address: a connection that followed the second answer would land here.
      const later = await server((_req, res) => res.writeHead(200).end('later'), '127.0.0.1', checked.port);
      let calls = 0;
      const rebinding: HostResolver = async () => [{ address: calls++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
      const outcome = await sender({ allowPrivateNetworks: true, resolve: rebinding }).send(post(`http://rebind.test:${checked.port}/`));
      expect(outcome).toMatchObject({ ok: true, responseBody: 'checked' });
      expect(calls).toBe(1);
      expect(later.requests).toHaveLength(0);
    });
  });
});

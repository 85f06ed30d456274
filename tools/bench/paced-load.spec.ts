import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacedLoad } from './paced-load';

/** A local server whose answer the test decides; records each body it received. */
async function startServer(answer: (request: IncomingMessage, body: string, response: ServerResponse) => void) {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(body);
      answer(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp/x`;
  return { url, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function numberedCalls() {
  let next = 0;
  return () => ({ body: JSON.stringify({ n: next++ }), headers: { 'content-type': 'application/json' } });
}

describe('pacedLoad', () => {
  it('sends exactly rate × seconds calls, each body once, and sorts answers by status', async () => {
    const server = await startServer((_request, body, response) => {
      const { n } = JSON.parse(body) as { n: number };
      response.statusCode = n % 4 === 0 ? 503 : 200;
      response.end('{}');
    });
    try {
      const figures = await pacedLoad({ url: server.url, rate: 200, seconds: 1, connections: 5, nextCall: numberedCalls() });
      expect(figures.sent).toBe(200);
      expect(figures.accepted).toBe(150);
      expect(figures.non2xx).toBe(50);
      expect(figures.errors).toBe(0);
      expect(new Set(server.bodies).size).toBe(200);
      expect(server.bodies.map((body) => (JSON.parse(body) as { n: number }).n).sort((a, b) => a - b)).toEqual([...Array(200).keys()]);
    } finally {
      await server.close();
    }
  });

  it("charges a slow server's delay to every call (latency never below the server's own delay)", async () => {
    const server = await startServer((_request, _body, response) => setTimeout(() => response.end('{}'), 40));
    try {
      const figures = await pacedLoad({ url: server.url, rate: 100, seconds: 1, connections: 10, nextCall: numberedCalls() });
      expect(figures.accepted).toBe(100);
      expect(figures.p50).toBeGreaterThanOrEqual(40);
      expect(figures.p99).toBeGreaterThanOrEqual(figures.p50);
      expect(figures.max).toBeGreaterThanOrEqual(figures.p99);
    } finally {
      await server.close();
    }
  });

  it('counts calls whose connection is cut as errors and still finishes', async () => {
    const server = await startServer((request, body, response) => {
      const { n } = JSON.parse(body) as { n: number };
      if (n % 2 === 0) request.socket.destroy();
      else response.end('{}');
    });
    try {
      const figures = await pacedLoad({ url: server.url, rate: 50, seconds: 1, connections: 5, nextCall: numberedCalls() });
      expect(figures.sent).toBe(50);
      expect(figures.accepted + figures.errors).toBe(50);
      expect(figures.errors).toBeGreaterThanOrEqual(25);
    } finally {
      await server.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from './readiness';

export interface HealthServerOptions {
  port: number;
  host?: string;
  service: string;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
}

/** The same routes as the gateway's, so probes and scrapes are configured alike for all three apps. */
export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, 'application/json', '{"error":"method not allowed"}');
    if (path === '/health/live') return send(200, 'application/json', JSON.stringify({ status: 'ok', service: options.service }));
    if (path === '/health/ready') {
      void checkReadiness(options.checks).then(
        (report) =>
          send(report.status === 'ready' ? 200 : 503, 'application/json', JSON.stringify({ ...report, service: options.service })),
        () => send(503, 'application/json', JSON.stringify({ status: 'not_ready', service: options.service })),
      );
      return;
    }
    if (path === '/metrics') {
      void options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        () => send(500, 'text/plain', 'metrics unavailable'),
      );
      return;
    }
    send(404, 'application/json', '{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      // From here an error (say, no file descriptor left to accept with) is reported and the server goes on; with no
      // listener it would end the process.
      server.off('error', reject);
      server.on('error', (error) => process.stderr.write(`${options.service}: health server: ${error.message}\n`));
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BotApiCall {
  token: string;
  method: string;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for Telegram's Bot API (real HTTP): records every call and answers
 * like Telegram does. `failNext(method, description)` makes that method say no.
 */
export class FakeBotApi {
  readonly calls: BotApiCall[] = [];
  private readonly failures = new Map<string, string>();
  /** The webhook URL per token, as getWebhookInfo reports it. */
  readonly webhooks = new Map<string, string>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
        const answer = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (!match) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
        const [, token, method] = match;
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        this.calls.push({ token, method, body });
        const failure = this.failures.get(method);
        if (failure) {
          this.failures.delete(method);
          return answer(400, { ok: false, error_code: 400, description: failure });
        }
        if (method === 'setWebhook') this.webhooks.set(token, String(body.url));
        if (method === 'deleteWebhook') this.webhooks.delete(token);
        if (method === 'getWebhookInfo')
          return answer(200, {
            ok: true,
            result: { url: this.webhooks.get(token) ?? '', has_custom_certificate: false, pending_update_count: 0 },
          });
        answer(200, { ok: true, result: true, description: 'Webhook was set' });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  failNext(method: string, description: string): void {
    this.failures.set(method, description);
  }

  callsOf(method: string): BotApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/**
 * A subscriber on this machine: a local HTTP server on a free port that takes the event
 * dispatcher's deliveries and checks each one's Standard Webhooks signature with the
 * subscription's secret.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  type: string;
  account_id: string;
  created_at: string;
  data: Record<string, unknown>;
  /** The `webhook-signature` verified with the subscription's secret. */
  verified: boolean;
  receivedAt: number;
}

export class EventReceiver {
  readonly events: ReceivedEvent[] = [];
  private server?: Server;
  private verifier?: Webhook;
  private readonly listeners = new Set<() => void>();
  url = '';

  /** Listens on a free port of 127.0.0.1 (subscriptions may point there in development: OUTBOUND_ALLOW_PRIVATE_URLS). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        this.accept(body, req.headers as Record<string, string>);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simulator-events`;
  }

  /** The secret the subscription's create answer showed. */
  useSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  private accept(body: string, headers: Record<string, string>): void {
    let envelope: Omit<ReceivedEvent, 'verified' | 'receivedAt'>;
    let verified = false;
    try {
      if (!this.verifier) throw new Error('no secret yet');
      envelope = this.verifier.verify(body, headers) as typeof envelope;
      verified = true;
    } catch {
      try {
        envelope = JSON.parse(body);
      } catch {
        return;
      }
    }
    this.events.push({ ...envelope, verified, receivedAt: Date.now() });
    for (const listener of this.listeners) listener();
  }

  /** Waits until `predicate` holds over the events received, or `timeoutMs` passes; returns whether it held. */
  async waitUntil(predicate: (events: readonly ReceivedEvent[]) => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate(this.events)) return true;
    return new Promise<boolean>((resolve) => {
      const done = (held: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(held);
      };
      const check = () => predicate(this.events) && done(true);
      const timer = setTimeout(() => done(predicate(this.events)), timeoutMs);
      this.listeners.add(check);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

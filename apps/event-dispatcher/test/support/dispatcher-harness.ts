import { outboundEventId, type OutboundEventEnvelope, type OutboundEventType } from '@inbound/contracts';
import { createDataSource, CredentialsCipher, type WebhookRetryPolicy } from '@inbound/domain';
import { createWorkerContext, readEventDispatcherConfig, WORKER_METRICS } from '@inbound/runtime';
import type { INestApplicationContext } from '@nestjs/common';
import { metricValue } from '@inbound/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { EventDispatcherModule } from '../../src/app/event-dispatcher.module';

export const CREDENTIALS_KEY = randomBytes(32);
const cipher = new CredentialsCipher(CREDENTIALS_KEY);

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export async function migratedDataSource(url = process.env.DATABASE_URL as string): Promise<DataSource> {
  const dataSource = createDataSource({ url, poolSize: 3, applicationName: 'event-dispatcher-spec' });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

export interface SubscriptionSeed {
  accountId: string;
  url: string;
  events?: string[];
  enabled?: boolean;
  retry?: WebhookRetryPolicy;
  secret?: string;
  /** A rotated-out secret that still signs. */
  previousSecret?: string;
}

/** Writes a subscription as the admin API stores it: secrets sealed with the subscription id. */
export async function seedSubscription(dataSource: DataSource, seed: SubscriptionSeed): Promise<{ id: string; secret: string }> {
  const id = randomUUID();
  const secret = seed.secret ?? newSecret();
  await dataSource.query(
    `INSERT INTO webhook_subscriptions (id, account_id, url, events, secret, previous_secret, previous_secret_expires_at, enabled, retry)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      seed.accountId,
      seed.url,
      seed.events ?? ['*'],
      cipher.seal(id, { secret }),
      seed.previousSecret ? cipher.seal(id, { secret: seed.previousSecret }) : null,
      seed.previousSecret ? new Date(Date.now() + 3_600_000).toISOString() : null,
      seed.enabled ?? true,
      seed.retry ? JSON.stringify(seed.retry) : null,
    ],
  );
  return { id, secret };
}

/** An outbox row as a worker writes it in its transaction. */
export async function writeOutboxEvent(
  dataSource: DataSource,
  accountId: string,
  type: OutboundEventType = 'message.received',
  data: Record<string, unknown> = { message_id: randomUUID() },
): Promise<OutboundEventEnvelope> {
  const envelope: OutboundEventEnvelope = {
    id: outboundEventId(randomUUID(), type),
    type,
    created_at: new Date().toISOString(),
    account_id: accountId,
    data,
  };
  await dataSource.query(`INSERT INTO outbox_events (id, account_id, type, payload) VALUES ($1, $2, $3, $4)`, [
    envelope.id,
    accountId,
    type,
    JSON.stringify(envelope),
  ]);
  return envelope;
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  response_status: number | null;
  error_class: string | null;
}

export async function deliveriesOf(dataSource: DataSource, subscriptionId: string): Promise<DeliveryRow[]> {
  return dataSource.query(
    `SELECT id, subscription_id, event_id, status, attempts, next_attempt_at, response_status, error_class
     FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at, id`,
    [subscriptionId],
  );
}

export async function attemptsOf(
  dataSource: DataSource,
  deliveryId: string,
): Promise<
  Array<{ attempt: number; response_status: number | null; error_class: string | null; started_at: Date; response_body: string | null }>
> {
  return dataSource.query(
    `SELECT attempt, response_status, error_class, started_at, response_body FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
}

export interface RunningDispatcher {
  app: INestApplicationContext;
  metric: (name: string, labels?: Record<string, string>) => Promise<number>;
  stop: () => Promise<void>;
}

/** The dispatcher in this process on the run's database and vhost, tuned for tests (short polls). */
export async function startDispatcher(env: Record<string, string> = {}): Promise<RunningDispatcher> {
  const config = readEventDispatcherConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    RABBITMQ_URL: process.env.RABBITMQ_URL,
    HEALTH_PORT: '0',
    LOG_LEVEL: process.env.SPEC_LOG_LEVEL ?? 'silent',
    DATABASE_POOL_SIZE: '6',
    NODE_ENV: 'test',
    CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64'),
    OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
    OUTBOX_POLL_MS: '20',
    DELIVERY_POLL_MS: '50',
    RETRY_FIRST_DELAY_MS: '200',
    RETRY_WINDOW_MS: '2000',
    ...env,
  });
  const app = await createWorkerContext(EventDispatcherModule.forRoot(config));
  const registry = app.get<Registry>(WORKER_METRICS);
  const metric = (name: string, labels: Record<string, string> = {}) => metricValue(registry, name, labels);
  return { app, metric, stop: () => app.close() };
}

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** How the receiver answers one call: a status (with headers and body), or a misbehaviour. */
export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body?: string } | { hang: true } | { reset: true };

/** A subscriber's endpoint: answers each call from its script (the last entry repeats) and records what it got. */
export class Receiver {
  readonly calls: ReceivedCall[] = [];
  private readonly sockets = new Set<Socket>();
  script: ScriptedAnswer[] = [{ status: 200, body: 'ok' }];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(script?: ScriptedAnswer[]): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    if (script) receiver.script = script;
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    server.on('request', (req, res) => receiver.handle(req, res));
    return receiver;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = this.calls.length;
      this.calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = this.script[Math.min(index, this.script.length - 1)];
      if ('hang' in answer) return;
      if ('reset' in answer) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

import { Channel, createDataSource } from '@inbound/domain';
import { deadLetterQueueName, INBOUND_EXCHANGE, INBOUND_QUEUE, inboundRoutingKey, type InboundMessageEvent } from '@inbound/contracts';
import { declareQueueTopology, INBOUND_TOPOLOGY } from '@inbound/messaging';
import { WORKER_METRICS, WorkerLifecycle } from '@inbound/runtime';
import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '@inbound/runtime';
import { waitFor, metricValue } from '@inbound/testing';
import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { readInboundWorkerConfig, type InboundWorkerConfig } from '../../src/app/config/inbound-worker-config';
import { InboundWorkerModule } from '../../src/app/inbound-worker.module';
import { CHAT_CHANNEL_TYPES, type ChatChannelType } from './inbound-events';

/** Migrates the run's database (idempotent) and returns a small DataSource for assertions. */
export async function migratedDataSource(url = process.env.DATABASE_URL as string): Promise<DataSource> {
  const dataSource = createDataSource({ url, poolSize: 3, applicationName: 'inbound-worker-spec' });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/** One channel per chat type, of one account. The worker never reads credentials. */
export async function seedChannels(dataSource: DataSource, accountId = randomUUID()): Promise<Record<ChatChannelType, Channel>> {
  const repository = dataSource.getRepository(Channel);
  const entries = await Promise.all(
    CHAT_CHANNEL_TYPES.map(async (channel_type) => {
      const channel = await repository.save(
        repository.create({
          account_id: accountId,
          channel_type,
          name: `${channel_type} inbound spec`,
          credentials: 'plain.e30',
          is_active: true,
        }),
      );
      return [channel_type, channel] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ChatChannelType, Channel>;
}

export interface InboundRow {
  id: string;
  account_id: string;
  channel_id: string;
  group_message_id: string | null;
  contact_id: string | null;
  direction: string;
  status: string;
  delivery_address: string;
  message_body: string | null;
  metadata_: Record<string, unknown>;
  error_details: unknown;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export async function inboundRowsOf(dataSource: DataSource, channelIds: readonly string[]): Promise<InboundRow[]> {
  return dataSource.query(`SELECT * FROM messages WHERE direction = 'inbound' AND channel_id = ANY($1::uuid[]) ORDER BY created_at, id`, [
    channelIds,
  ]);
}

export async function countInboundRows(dataSource: DataSource, channelIds: readonly string[]): Promise<number> {
  const [{ count }] = await dataSource.query(
    `SELECT count(*)::int AS count FROM messages WHERE direction = 'inbound' AND channel_id = ANY($1::uuid[])`,
    [channelIds],
  );
  return count;
}

/** Publishes to and reads from the run's vhost as the gateway and an operator would. */
export class InboundBus {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(url = process.env.RABBITMQ_URL as string): Promise<InboundBus> {
    const connection = await connect(url);
    const channel = await connection.createConfirmChannel();
    await declareQueueTopology(channel, INBOUND_TOPOLOGY, []);
    return new InboundBus(connection, channel);
  }

  /** Publishes as the gateway does: persistent, message_id = event_id, confirmed. */
  async publish(events: readonly InboundMessageEvent[]): Promise<void> {
    for (const event of events) {
      this.channel.publish(INBOUND_EXCHANGE, inboundRoutingKey(event.channel_type), Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
        messageId: event.event_id,
      });
    }
    await this.channel.waitForConfirms();
  }

  /** Publishes bytes that may not be an event at all. */
  async publishRaw(body: string, messageId: string = randomUUID()): Promise<void> {
    this.channel.publish(INBOUND_EXCHANGE, inboundRoutingKey('telegram'), Buffer.from(body), {
      persistent: true,
      contentType: 'application/json',
      messageId,
    });
    await this.channel.waitForConfirms();
  }

  async messageCount(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async purge(): Promise<void> {
    await this.channel.purgeQueue(INBOUND_QUEUE);
    await this.channel.purgeQueue(deadLetterQueueName(INBOUND_QUEUE));
  }

  async takeDeadLetters(): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(deadLetterQueueName(INBOUND_QUEUE), { noAck: true });
      if (!message) return taken;
      taken.push(message);
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

export interface InProcessWorker {
  app: INestApplicationContext;
  config: InboundWorkerConfig;
  healthPort: number;
  /** The current value of a counter or histogram count, summed over the given labels. */
  metric: (name: string, labels?: Record<string, string>) => Promise<number>;
  stop: () => Promise<void>;
}

/** The worker in this process on the run's database and vhost, health port chosen by the OS. */
export async function startInProcessWorker(env: Record<string, string> = {}): Promise<InProcessWorker> {
  const config = readInboundWorkerConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    RABBITMQ_URL: process.env.RABBITMQ_URL,
    HEALTH_PORT: '0',
    // SPEC_LOG_LEVEL=warn shows the worker's log while debugging a spec.
    LOG_LEVEL: process.env.SPEC_LOG_LEVEL ?? 'silent',
    DATABASE_POOL_SIZE: '4',
    ...env,
  });
  const app = await createWorkerContext(InboundWorkerModule.forRoot(config));
  const registry = app.get<Registry>(WORKER_METRICS);
  const metric = (name: string, labels: Record<string, string> = {}) => metricValue(registry, name, labels);
  return { app, config, healthPort: app.get(WorkerLifecycle).healthPort as number, metric, stop: () => app.close() };
}

/** Counters move just after the commit or publish a test can observe, so the value is awaited. */
export async function expectMetric(
  worker: InProcessWorker,
  name: string,
  expected: number,
  labels: Record<string, string> = {},
): Promise<void> {
  await waitFor(async () => (await worker.metric(name, labels)) === expected, { timeoutMs: 5_000 }).catch(() => undefined);
  expect(await worker.metric(name, labels)).toBe(expected);
}

export interface AccountAnswer {
  status: number;
  body?: unknown;
  /** Never answer (until the server closes): a service that hangs. */
  hang?: boolean;
}

/** A stand-in for the account service: `GET /contacts/lookup` from a table by address (404 otherwise); records requests. */
export class AccountServer {
  readonly answers = new Map<string, AccountAnswer>();
  readonly requests: Array<{ account_id: string | null; address: string | null }> = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<AccountServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accounts = new AccountServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => accounts.handle(req, res));
    return accounts;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method !== 'GET' || url.pathname !== '/contacts/lookup') {
      res.writeHead(404).end();
      return;
    }
    const address = url.searchParams.get('address');
    this.requests.push({ account_id: url.searchParams.get('account_id'), address });
    const answer = this.answers.get(address ?? '') ?? { status: 404, body: { error: 'not found' } };
    if (answer.hang) {
      this.hanging.add(res);
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
  }

  requestsFor(address: string): number {
    return this.requests.filter((request) => request.address === address).length;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

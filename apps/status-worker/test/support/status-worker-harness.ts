import { createDataSource } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra } from '@inbound/testing';
import { deadLetterQueueName, STATUS_EXCHANGE, STATUS_QUEUE, statusRoutingKey, type StatusUpdateEvent } from '@inbound/contracts';
import { declareQueueTopology, HEADER_FAILURE_REASON, retryDelays, STATUS_TOPOLOGY } from '@inbound/messaging';
import { createWorkerContext, readWorkerConfig, STATUS_WORKER_DEFAULTS, WORKER_METRICS } from '@inbound/runtime';
import type { INestApplicationContext } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { StatusWorkerModule } from '../../src/app/status-worker.module';

export const ACCOUNT_ID = '0b7c4c2e-6a8f-4b51-9d1e-3f2a5c7e9b10';

/** Per test file: Jest runs files in parallel, and one file's worker would consume another's events. */
export interface FileInfra {
  databaseUrl: string;
  rabbitmqUrl: string;
  drop(): Promise<void>;
}

export async function openFileInfra(label: string): Promise<FileInfra> {
  const infra = await createIsolatedInfra(`status_worker_${label}`);
  return { databaseUrl: infra.databaseUrl, rabbitmqUrl: infra.rabbitmqUrl, drop: () => dropIsolatedInfra(infra) };
}

export async function migratedDataSource(infra: FileInfra, poolSize = 4): Promise<DataSource> {
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize, applicationName: 'status-worker-spec' });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

export interface MessageRow {
  id: string;
  status: string;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
  metadata_: Record<string, unknown>;
  error_details: { code: string | null; message: string | null; provider_status: string | null } | null;
}

export interface GroupRow {
  total_count: number;
  delivered_count: number;
  failed_count: number;
  read_count: number;
  status: string;
}

export interface OutboundMessageSpec {
  channelId: string;
  groupId?: string | null;
  providerMessageId?: string | null;
  deliveryAddress?: string;
  status?: string;
  sentAt?: string | null;
  createdAt?: string;
}

export class StatusFixtures {
  constructor(readonly dataSource: DataSource) {}

  async channel(channelType = 'whatsapp'): Promise<string> {
    const [row] = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO channels (account_id, channel_type, name, credentials) VALUES ($1, $2, 'status worker test', 'sealed') RETURNING id`,
      [ACCOUNT_ID, channelType],
    );
    return row.id;
  }

  async group(channelId: string, totalCount: number): Promise<string> {
    const [row] = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, $3) RETURNING id`,
      [ACCOUNT_ID, channelId, totalCount],
    );
    return row.id;
  }

  /** An outbound message; its provider id defaults to a fresh one. Returns [row id, provider id]. */
  async outbound(spec: OutboundMessageSpec): Promise<{ id: string; providerMessageId: string | null }> {
    const providerMessageId = spec.providerMessageId === undefined ? `wamid.${randomUUID()}` : spec.providerMessageId;
    const metadata = providerMessageId === null ? {} : { provider_message_id: providerMessageId };
    const [row] = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, sent_at, created_at)
       VALUES ($1, $2, $3, 'outbound', $4, $5, $6, $7, COALESCE($8::timestamptz, now())) RETURNING id`,
      [
        ACCOUNT_ID,
        spec.channelId,
        spec.groupId ?? null,
        spec.status ?? 'sent',
        spec.deliveryAddress ?? '+15550100000',
        metadata,
        spec.sentAt === undefined ? '2026-03-01T10:00:00.000Z' : spec.sentAt,
        spec.createdAt ?? null,
      ],
    );
    return { id: row.id, providerMessageId };
  }

  /** Many outbound messages of one campaign at once; provider ids are `<prefix><n>`. */
  async outboundMany(channelId: string, groupId: string, count: number, prefix: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, created_at)
       SELECT $1, $2, $3, 'outbound', 'queued', '+1555' || lpad(n::text, 7, '0'),
              jsonb_build_object('provider_message_id', $4 || n), now() - interval '1 hour'
       FROM generate_series(0, $5 - 1) AS n`,
      [ACCOUNT_ID, channelId, groupId, prefix, count],
    );
  }

  async message(id: string): Promise<MessageRow> {
    const [row] = await this.dataSource.query<MessageRow[]>(
      `SELECT id, status, sent_at, delivered_at, failed_at, metadata_, error_details FROM messages WHERE id = $1`,
      [id],
    );
    return row;
  }

  async groupRow(id: string): Promise<GroupRow> {
    const [row] = await this.dataSource.query<GroupRow[]>(
      `SELECT total_count, delivered_count, failed_count, read_count, status FROM group_messages WHERE id = $1`,
      [id],
    );
    return row;
  }
}

/** A StatusUpdateEvent, with room for a channel type the contract refuses. */
export type StatusEventBody = Omit<StatusUpdateEvent, 'channel_type'> & { channel_type: string };

/** A StatusUpdateEvent as the gateway publishes it. */
export function statusEvent(
  fields: Partial<StatusEventBody> & Pick<StatusEventBody, 'channel_id' | 'status' | 'timestamp'>,
): StatusEventBody {
  return {
    event_id: randomUUID(),
    account_id: ACCOUNT_ID,
    channel_type: 'whatsapp',
    metadata: {},
    received_at: new Date().toISOString(),
    ...fields,
  };
}

/** Publishes to `message.status` as the gateway does: persistent, confirmed, message_id = event_id. */
export class StatusBus {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  /** Declares the status topology first, so that events published before a worker starts are queued. */
  static async open(infra: FileInfra, retryDelaysMs: readonly number[] = retryDelays(200, 1_000)): Promise<StatusBus> {
    const connection = await connect(infra.rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    await declareQueueTopology(channel, STATUS_TOPOLOGY, retryDelaysMs);
    return new StatusBus(connection, channel);
  }

  async publish(...events: StatusEventBody[]): Promise<void> {
    for (const event of events) this.send(statusRoutingKey(event.status), Buffer.from(JSON.stringify(event)), event.event_id);
    await this.channel.waitForConfirms();
  }

  /** Any body, e.g. one that is not JSON. */
  async publishRaw(body: string, messageId: string, routingKey = statusRoutingKey('delivered')): Promise<void> {
    this.send(routingKey, Buffer.from(body), messageId);
    await this.channel.waitForConfirms();
  }

  private send(routingKey: string, body: Buffer, messageId: string): void {
    this.channel.publish(STATUS_EXCHANGE, routingKey, body, { persistent: true, contentType: 'application/json', messageId });
  }

  async queueDepth(queue = STATUS_QUEUE): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Takes (acks) every dead-lettered message; returns message id → failure reason. */
  async drainDeadLetters(into: Map<string, string> = new Map()): Promise<Map<string, string>> {
    for (;;) {
      const message = await this.channel.get(deadLetterQueueName(STATUS_QUEUE), { noAck: true });
      if (!message) return into;
      into.set(String(message.properties.messageId), String(message.properties.headers?.[HEADER_FAILURE_REASON] ?? ''));
    }
  }

  async purge(): Promise<void> {
    await this.channel.purgeQueue(STATUS_QUEUE);
    await this.channel.purgeQueue(deadLetterQueueName(STATUS_QUEUE));
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

export interface InProcessWorker {
  app: INestApplicationContext;
  metrics: Registry;
  /** Sum of a counter's values, over all label sets (or those matching `labels`). */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** The status worker in this process, on the file's database and vhost; health port 0. */
export async function startInProcessWorker(infra: FileInfra, env: Record<string, string> = {}): Promise<InProcessWorker> {
  const config = readWorkerConfig(
    {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      HEALTH_PORT: '0',
      LOG_LEVEL: 'silent',
      RETRY_FIRST_DELAY_MS: '200',
      RETRY_WINDOW_MS: '1000',
      DATABASE_POOL_SIZE: '4',
      ...env,
    },
    { ...STATUS_WORKER_DEFAULTS, healthPort: 0 },
  );
  const app = await createWorkerContext(StatusWorkerModule.forRoot(config));
  const metrics = app.get<Registry>(WORKER_METRICS);
  return {
    app,
    metrics,
    counter: (name, labels) => counterValue(metrics, name, labels),
    stop: () => app.close(),
  };
}

export async function counterValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

/** A counter's total from a Prometheus text exposition (a built worker's /metrics). */
export function counterFromText(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Minute `n` of a fixed day, ISO-8601: small numbers keep the tests readable. */
export const at = (minute: number, second = 0): string => new Date(Date.UTC(2026, 2, 1, 10, minute, second)).toISOString();

import { Channel, CredentialsCipher, createDataSource } from '@inbound/domain';
import { deadLetterQueueName, INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { declareTopology } from '@inbound/messaging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { readGatewayConfig, type GatewayConfig } from '../../src/app/config/gateway-config';
import { createGatewayApp, stopGatewayApp } from '../../src/app/create-gateway-app';

export const CREDENTIALS_KEY = randomBytes(32);
export const REALTIME_TOKEN_SECRET = randomBytes(32).toString('base64');
export const ACCOUNT_ID = '7d3c1b9a-2e4f-4a6b-8c0d-1e2f3a4b5c6d';

/** Migrates the run's database once per test file (idempotent). */
export async function migratedDataSource(url = process.env.DATABASE_URL as string): Promise<DataSource> {
  const dataSource = createDataSource({ url, poolSize: 2 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

export async function seedChannel(
  dataSource: DataSource,
  channel_type: string,
  credentials: Record<string, unknown>,
  overrides: Partial<Channel> = {},
): Promise<Channel> {
  const id = overrides.id ?? randomUUID();
  const row = dataSource.getRepository(Channel).create({
    id,
    account_id: ACCOUNT_ID,
    channel_type,
    name: `${channel_type} test channel`,
    credentials: new CredentialsCipher(CREDENTIALS_KEY).seal(id, credentials),
    is_active: true,
    ...overrides,
  });
  return dataSource.getRepository(Channel).save(row);
}

export interface RunningGateway {
  app: NestFastifyApplication;
  config: GatewayConfig;
  baseUrl: string;
  stop: () => Promise<void>;
}

/** The gateway in this process, listening on a free port: real HTTP, RabbitMQ, PostgreSQL. */
export async function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = readGatewayConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    RABBITMQ_URL: process.env.RABBITMQ_URL,
    CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64'),
    REALTIME_TOKEN_SECRET: REALTIME_TOKEN_SECRET,
    LOG_LEVEL: 'silent',
    WEBHOOK_BASE_URL: 'https://hooks.example.test',
    PUBLISH_CONFIRM_TIMEOUT_MS: '2000',
    // Suites send many bad signatures from one address on purpose; the throttle's own tests set it.
    SIGNATURE_FAILURE_LIMIT: '0',
    ...env,
  });
  const app = await createGatewayApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, config, baseUrl: `http://127.0.0.1:${port}`, stop: () => stopGatewayApp(app) };
}

// Admin answers are read loosely: each spec asserts the fields it cares about.
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Calls the admin API with the bearer token: the answer's status and JSON body. */
export function adminApi(
  gateway: () => RunningGateway,
  token: string,
): (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json }> {
  return async (method, path, body) => {
    const response = await fetch(`${gateway().baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
}

/** Reads what the gateway published, straight from the bound queues. */
export class QueueProbe {
  private constructor(private readonly connection: ChannelModel) {}

  static async open(url = process.env.RABBITMQ_URL as string): Promise<QueueProbe> {
    const connection = await connect(url);
    const channel = await connection.createChannel();
    await declareTopology(channel, [1_000]);
    await channel.close();
    return new QueueProbe(connection);
  }

  async purge(): Promise<void> {
    const channel = await this.connection.createChannel();
    for (const queue of [INBOUND_QUEUE, STATUS_QUEUE]) {
      await channel.purgeQueue(queue);
      await channel.purgeQueue(deadLetterQueueName(queue));
    }
    await channel.close();
  }

  async count(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  /** Takes every message now in the queue (no waiting: confirmed publishes are already there). */
  async drain(queue: string): Promise<GetMessage[]> {
    const channel = await this.connection.createChannel();
    const messages: GetMessage[] = [];
    try {
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) return messages;
        messages.push(message);
      }
    } finally {
      await channel.close();
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

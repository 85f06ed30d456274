import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfirmedPublisher } from '@inbound/messaging';
import { PinoLogger } from 'nestjs-pino';
import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

export interface SpooledEvent {
  exchange: string;
  routingKey: string;
  messageId: string;
  payload: string;
}

/** Rows a relay pass takes at once, oldest first. */
const RELAY_BATCH = 500;
/** How often the relay looks at the spool (and refreshes the depth and age gauges). */
const RELAY_INTERVAL_MS = 1_000;

/**
 * docs/GATEWAY.md, "When PostgreSQL or RabbitMQ goes away". A row is deleted only after its confirm; a crash in
 * between republishes it under the same message id, which the workers recognise.
 */
@Injectable()
export class WebhookSpool implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly depth: Gauge;
  private readonly oldestAge: Gauge;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('WebhookSpool');
    this.depth = new Gauge({
      name: 'gateway_spool_depth',
      help: 'Events in the PostgreSQL spool, waiting for RabbitMQ',
      registers: [registry],
    });
    this.oldestAge = new Gauge({
      name: 'gateway_spool_oldest_age_seconds',
      help: 'Age of the oldest event in the spool (0 when empty)',
      registers: [registry],
    });
  }

  /** Keeps a call's events, all or none. Rejects when PostgreSQL cannot take them either. */
  async write(events: readonly SpooledEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO webhook_spool (exchange, routing_key, message_id, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [
        events.map((event) => event.exchange),
        events.map((event) => event.routingKey),
        events.map((event) => event.messageId),
        events.map((event) => event.payload),
      ],
    );
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), RELAY_INTERVAL_MS);
    this.timer.unref();
    this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One relay pass now; resolves when it is done (tests and the timer use it). */
  relayNow(): Promise<void> {
    this.running ??= this.relay()
      .catch((error: unknown) => this.logger.debug({ err: (error as Error).message }, 'spool relay pass stopped'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private tick(): void {
    void this.relayNow();
  }

  private async relay(): Promise<void> {
    // The usual pass finds the spool empty: one count, no transaction, no broker call.
    if ((await this.measure()) === 0) return;
    try {
      // Reconnects when the broker is back; while it is away, the rows are left alone.
      await this.publisher.connect();
      for (;;) {
        const moved = await this.relayBatch();
        if (moved < RELAY_BATCH) break;
      }
    } finally {
      await this.measure();
    }
  }

  /** Publishes one batch of the oldest rows and deletes those confirmed. Returns how many it moved. */
  private async relayBatch(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const rows = (await runner.query(
        `SELECT id, exchange, routing_key, message_id, payload FROM webhook_spool ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [RELAY_BATCH],
      )) as Array<{ id: string; exchange: string; routing_key: string; message_id: string; payload: string }>;
      if (rows.length === 0) {
        await runner.commitTransaction();
        return 0;
      }
      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          this.publisher.publishRaw(row.exchange, row.routing_key, Buffer.from(row.payload, 'utf8'), { messageId: row.message_id }),
        ),
      );
      const confirmed = rows.filter((_row, index) => outcomes[index].status === 'fulfilled').map((row) => row.id);
      if (confirmed.length > 0) await runner.query(`DELETE FROM webhook_spool WHERE id = ANY($1::bigint[])`, [confirmed]);
      await runner.commitTransaction();
      if (confirmed.length > 0)
        this.logger.info({ relayed: confirmed.length, left_in_batch: rows.length - confirmed.length }, 'spooled events published');
      // A row that failed stays; the next pass tries it again, oldest first.
      return confirmed.length === rows.length ? rows.length : 0;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Sets the depth and age gauges; returns the depth. */
  private async measure(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS depth, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS age FROM webhook_spool`,
    )) as Array<{ depth: number; age: number }>;
    this.depth.set(row.depth);
    this.oldestAge.set(row.age);
    return row.depth;
  }
}

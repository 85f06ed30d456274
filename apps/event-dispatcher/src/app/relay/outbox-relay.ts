import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { PLATFORM_EVENTS_EXCHANGE } from '@inbound/contracts';
import { ConfirmedPublisher } from '@inbound/messaging';
import { WORKER_DATA_SOURCE, type EventDispatcherConfig } from '@inbound/runtime';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import { DISPATCHER_CONFIG } from '../delivery/dispatcher-tokens';
import { EventDispatcherMetrics } from '../metrics/event-dispatcher.metrics';

/** One relay at a time in the whole deployment: the holder of this session lock. */
const RELAY_LOCK = `hashtext('messaging.outbox_relay')`;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_CHUNK = 5_000;
/** How soon a standby replica tries for the lock again, and a leader that lost its connection comes back. */
const STANDBY_RETRY_MS = 2_000;

interface OutboxRow {
  id: string;
  account_id: string;
  type: string;
  payload: string;
  seq: string;
  created_at: Date;
}

/**
 * Publishes the outbox to `platform.events`. Rows are marked published, and given their `seq`, in a transaction that
 * commits only after the broker confirmed every publish of the batch: a crash anywhere before the commit publishes the
 * batch again (same event ids), one after it has lost nothing. `seq` grows in publish order because one process holds the
 * relay lock; replicas wait on it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private running?: Promise<void>;
  private stopped = false;
  private readonly abort = new AbortController();
  private lastPrune = 0;

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: EventDispatcherConfig,
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
    private readonly metrics: EventDispatcherMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
  }

  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let runner: QueryRunner | undefined;
      try {
        runner = this.dataSource.createQueryRunner();
        await runner.connect();
        const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(${RELAY_LOCK}) AS locked`);
        if (locked) {
          this.metrics.relayLeader.set(1);
          await this.lead(runner);
        }
      } catch (error) {
        this.logger.warn(`outbox relay stopped leading: ${(error as Error).message}`);
      } finally {
        this.metrics.relayLeader.set(0);
        // Releasing the connection ends the session, and the lock with it, if the pool drops it; unlock explicitly too.
        await runner?.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
        await runner?.release().catch(() => undefined);
      }
      if (!this.stopped) await this.pause(STANDBY_RETRY_MS);
    }
  }

  private async lead(runner: QueryRunner): Promise<void> {
    this.logger.log('leading the outbox relay');
    while (!this.stopped) {
      const published = await this.publishBatch(runner);
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune(runner);
      if (published < this.config.outboxBatchSize) await this.pause(this.config.outboxPollMs);
    }
  }

  /** Returns how many rows were published; throws (rolled back) when any publish was not confirmed. */
  private async publishBatch(runner: QueryRunner): Promise<number> {
    await runner.startTransaction();
    try {
      const rows: OutboxRow[] = await runner.query(
        `WITH next AS (
           SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE
         ), ordered AS (
           SELECT o.id, nextval('outbox_events_publish_seq') AS seq
           FROM outbox_events o JOIN next USING (id) ORDER BY o.position
         ), published AS (
           UPDATE outbox_events o SET published_at = now(), seq = ordered.seq
           FROM ordered WHERE o.id = ordered.id
           RETURNING o.id, o.account_id, o.type, o.payload::text AS payload, o.seq::text AS seq, o.created_at
         )
         SELECT * FROM published`,
        [this.config.outboxBatchSize],
      );
      rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
      await Promise.all(
        rows.map((row) =>
          this.publisher.publishRaw(PLATFORM_EVENTS_EXCHANGE, row.type, Buffer.from(row.payload), {
            messageId: row.id,
            type: row.type,
            headers: { 'x-outbox-seq': row.seq, 'x-account-id': row.account_id },
          }),
        ),
      );
      await runner.commitTransaction();
      const now = Date.now();
      for (const row of rows) this.metrics.outboxPublishLag.observe(Math.max(0, now - row.created_at.getTime()) / 1000);
      this.metrics.outboxPublished.inc(rows.length);
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      if ((error as { name?: string }).name === 'PublishError') {
        // The broker is away or refused: the rows stay unpublished; keep the lock and try again shortly.
        this.logger.warn(`outbox publish not confirmed: ${(error as Error).message}`);
        await this.pause(STANDBY_RETRY_MS);
        return 0;
      }
      throw error;
    }
  }

  /** Once a minute, by the relay's leader only: published outbox rows, and finished deliveries, past their retention. */
  private async prune(runner: QueryRunner): Promise<void> {
    this.lastPrune = Date.now();
    await this.deleteInChunks(
      runner,
      `DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events
         WHERE published_at IS NOT NULL AND created_at < now() - make_interval(hours => $1)
         LIMIT $2)`,
      this.config.outboxRetentionHours,
    );
    // Open deliveries (pending, failed) stay whatever their age: they are still owed. Attempts go with their delivery (cascade).
    await this.deleteInChunks(
      runner,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status IN ('succeeded', 'dead') AND updated_at < now() - make_interval(days => $1)
         LIMIT $2)`,
      this.config.deliveryLogRetentionDays,
    );
  }

  /** Short transactions: a large backlog is deleted a chunk at a time, never in one long lock. */
  private async deleteInChunks(runner: QueryRunner, sql: string, age: number): Promise<void> {
    for (;;) {
      const deleted: unknown = await runner.query(sql, [age, PRUNE_CHUNK]);
      const count = Array.isArray(deleted) ? Number(deleted[1] ?? 0) : 0;
      if (count < PRUNE_CHUNK) return;
    }
  }
}

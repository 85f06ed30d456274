import { Inject, Injectable } from '@nestjs/common';
import { databaseFailureKind, sqlStateOf, WORKER_DATA_SOURCE } from '@inbound/runtime';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { InboundWorkerMetrics } from '../metrics/inbound-worker.metrics';
import { inIndexOrder, type InboundMessageRow } from './inbound-message-row';

/**
 * Nine unnest arrays: 9 parameters whatever the batch size (PostgreSQL allows 65,535); the unique index is the idempotence.
 * Only rows really inserted get their `message.received` into the outbox, in the same statement and so the same commit.
 */
const INSERT_INBOUND_MESSAGES = `
  WITH incoming AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::varchar[], $6::text[], $7::jsonb[], $8::timestamptz[], $9::jsonb[])
      AS i (id, account_id, channel_id, contact_id, delivery_address, message_body, metadata_, delivered_at, received_event)
  ), inserted AS (
    INSERT INTO messages (id, account_id, channel_id, contact_id, direction, status, delivery_address, message_body, metadata_, delivered_at)
    SELECT id, account_id, channel_id, contact_id, 'inbound', 'delivered', delivery_address, message_body, metadata_, delivered_at
    FROM incoming
    ON CONFLICT (channel_id, (metadata_->>'provider_message_id')) WHERE direction = 'inbound' DO NOTHING
    RETURNING id
  ), outboxed AS (
    INSERT INTO outbox_events (id, account_id, type, payload)
    SELECT (i.received_event->>'id')::uuid, i.account_id, 'message.received', i.received_event
    FROM incoming i JOIN inserted USING (id)
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM outboxed)::int AS outboxed`;

/** Attempts in all for a statement that keeps losing a deadlock or serialization conflict. */
export const CONFLICT_ATTEMPTS = 4;

@Injectable()
export class InboundMessageWriter {
  constructor(
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly metrics: InboundWorkerMetrics,
  ) {}

  /** Returns how many rows were new; reruns on a deadlock or serialization failure, else throws the database's error. */
  async insert(rows: readonly InboundMessageRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const ordered = inIndexOrder(rows);
    const parameters = [
      ordered.map((row) => row.id),
      ordered.map((row) => row.account_id),
      ordered.map((row) => row.channel_id),
      ordered.map((row) => row.contact_id),
      ordered.map((row) => row.delivery_address),
      ordered.map((row) => row.message_body),
      ordered.map((row) => row.metadata_),
      ordered.map((row) => row.delivered_at),
      ordered.map((row) => row.received_event),
    ];
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.run(parameters);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || databaseFailureKind(error) !== 'conflict') throw error;
        this.metrics.transactionConflicts.inc({ code: sqlStateOf(error) });
        // A short, jittered pause lets the transaction that won finish first.
        await delay(attempt * 10 + Math.floor(Math.random() * 20));
      }
    }
  }

  private async run(parameters: unknown[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const [counts] = (await runner.query(INSERT_INBOUND_MESSAGES, parameters)) as Array<{ inserted: number }>;
      return counts.inserted;
    } finally {
      await runner.release();
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { storableJson } from '@inbound/domain';
import { WORKER_DATA_SOURCE } from '@inbound/runtime';
import type { DataSource } from 'typeorm';

/** A delivery this process holds a lease on, ready for an attempt. */
export interface HeldDelivery {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  /** The envelope as the database gives it back: the same bytes on every attempt. */
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
  /** When the event was created, for the first-attempt latency. */
  event_created_at: string | null;
}

export interface NewDelivery {
  subscription_id: string;
  account_id: string;
  event_id: string;
  event_type: string;
  /** JSON text of the envelope. */
  payload: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

/** One finished attempt and what it leaves the delivery in. */
export interface AttemptRecord {
  delivery_id: string;
  subscription_id: string;
  attempt: number;
  started_at: string;
  response_status: number | null;
  response_body: string | null;
  error_class: string | null;
  error: string | null;
  duration_ms: number;
  status: Exclude<DeliveryStatus, 'pending'>;
  /** When `failed`: the next attempt. */
  next_attempt_at: string | null;
  /** The endpoint answered 410 Gone: the subscription is disabled. */
  gone: boolean;
}

export interface RecordedAttempts {
  /** Subscriptions disabled by this write, with the reason stored. */
  disabled: Array<{ id: string; reason: string }>;
}

const HELD_COLUMNS = `d.id, d.subscription_id, d.event_id, d.event_type, d.payload::text AS payload, d.attempts,
  d.payload->>'created_at' AS event_created_at`;

/** Statements touching several deliveries lock them in id order first, so two of them cannot deadlock. */
const LOCKED_IN_ID_ORDER = `SELECT id FROM webhook_deliveries WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`;

/** Five days of failures without a success disable an endpoint. */
export const FAILING_DAYS_BEFORE_DISABLE = 5;

/** The SQL of deliveries: leases keep two processes from attempting one delivery at once. */
@Injectable()
export class DeliveryStore {
  constructor(@Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Records one delivery per (subscription, event), leased to the caller; a delivery that already exists is not returned. */
  async create(deliveries: readonly NewDelivery[], leaseMs: number): Promise<HeldDelivery[]> {
    if (deliveries.length === 0) return [];
    return this.dataSource.query<HeldDelivery[]>(
      `INSERT INTO webhook_deliveries AS d (subscription_id, account_id, event_id, event_type, payload, status, next_attempt_at, locked_until)
       SELECT s, a, e, t, p, 'pending', now(), now() + make_interval(secs => $6::float8 / 1000)
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[]) AS n(s, a, e, t, p)
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING ${HELD_COLUMNS}`,
      [
        deliveries.map((delivery) => delivery.subscription_id),
        deliveries.map((delivery) => delivery.account_id),
        deliveries.map((delivery) => delivery.event_id),
        deliveries.map((delivery) => delivery.event_type),
        deliveries.map((delivery) => delivery.payload),
        leaseMs,
      ],
    );
  }

  /**
   * Leases deliveries whose attempt is due (retries, and what a stopped process held), oldest due first, skipping
   * subscriptions that are disabled or that this process cannot take more of now.
   */
  async claimDue(limit: number, excludedSubscriptions: readonly string[], leaseMs: number): Promise<HeldDelivery[]> {
    if (limit <= 0) return [];
    return this.dataSource.query<HeldDelivery[]>(
      `WITH claimed_rows AS (
       UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $3::float8 / 1000)
       FROM (
         SELECT due.id FROM webhook_deliveries due
         JOIN webhook_subscriptions s ON s.id = due.subscription_id AND s.enabled
         WHERE due.status IN ('pending', 'failed') AND due.next_attempt_at <= now()
           AND (due.locked_until IS NULL OR due.locked_until < now())
           AND NOT (due.subscription_id = ANY($2::uuid[]))
         ORDER BY due.next_attempt_at
         LIMIT $1
         FOR UPDATE OF due SKIP LOCKED
       ) claimed
       WHERE d.id = claimed.id
       RETURNING ${HELD_COLUMNS})
       SELECT * FROM claimed_rows`,
      [limit, excludedSubscriptions, leaseMs],
    );
  }

  /** Extends the leases of deliveries still waiting in this process. */
  async renewLeases(ids: readonly string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET locked_until = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id IN (${LOCKED_IN_ID_ORDER}) AND status IN ('pending', 'failed')`,
      [ids, leaseMs],
    );
  }

  /** Gives deliveries back without an attempt, due again at `dueAt` (an open circuit, a disabled subscription). */
  async release(ids: readonly string[], dueAt: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET locked_until = NULL, next_attempt_at = GREATEST(next_attempt_at, $2::timestamptz), updated_at = now()
       WHERE id IN (${LOCKED_IN_ID_ORDER}) AND status IN ('pending', 'failed')`,
      [ids, dueAt.toISOString()],
    );
  }

  /**
   * Logs attempts and moves their deliveries, in one transaction; a success clears the subscription's failing streak, a
   * failure starts it, and a 410 or five days of failing disables the subscription.
   */
  async recordAttempts(records: readonly AttemptRecord[]): Promise<RecordedAttempts> {
    if (records.length === 0) return { disabled: [] };
    const succeeded = new Set(records.filter((record) => record.status === 'succeeded').map((record) => record.subscription_id));
    const failing = [
      ...new Set(
        records.filter((record) => record.status !== 'succeeded' && !succeeded.has(record.subscription_id)).map((r) => r.subscription_id),
      ),
    ];
    const gone = [...new Set(records.filter((record) => record.gone).map((record) => record.subscription_id))];
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `WITH a AS (
           SELECT * FROM json_to_recordset($1::json) AS r(
             delivery_id uuid, attempt int, started_at timestamptz, response_status int, response_body text, error_class text,
             error text, duration_ms int, status text, next_attempt_at timestamptz)
         ), locked AS (
           SELECT d.id FROM webhook_deliveries d WHERE d.id IN (SELECT delivery_id FROM a) ORDER BY d.id FOR UPDATE
         ), logged AS (
           INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, response_status, response_body, error_class, error, duration_ms)
           SELECT a.delivery_id, a.attempt, a.started_at, a.response_status, a.response_body, a.error_class, a.error, a.duration_ms
           FROM a JOIN locked ON locked.id = a.delivery_id
           RETURNING 1
         )
         UPDATE webhook_deliveries d SET
           status = a.status, attempts = GREATEST(d.attempts, a.attempt), next_attempt_at = a.next_attempt_at, locked_until = NULL,
           last_attempt_at = a.started_at, response_status = a.response_status, response_body = a.response_body,
           error_class = a.error_class, error = a.error, duration_ms = a.duration_ms, updated_at = now()
         FROM a JOIN locked ON locked.id = a.delivery_id WHERE d.id = a.delivery_id`,
        [storableJson(records)],
      );
      if (succeeded.size > 0) {
        await manager.query(
          `UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = ANY($1::uuid[]) AND failing_since IS NOT NULL`,
          [[...succeeded]],
        );
      }
      const disabled: Array<{ id: string; reason: string }> = [];
      if (failing.length > 0) {
        await manager.query(`UPDATE webhook_subscriptions SET failing_since = now() WHERE id = ANY($1::uuid[]) AND failing_since IS NULL`, [
          failing,
        ]);
        const stale = await manager.query<Array<{ id: string; disabled_reason: string }>>(
          `WITH disabled AS (UPDATE webhook_subscriptions
           SET enabled = false, updated_at = now(),
               disabled_reason = 'every delivery failed for ${FAILING_DAYS_BEFORE_DISABLE} days (since ' ||
                 to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
           WHERE id = ANY($1::uuid[]) AND enabled AND failing_since < now() - interval '${FAILING_DAYS_BEFORE_DISABLE} days'
           RETURNING id, disabled_reason)
           SELECT * FROM disabled`,
          [failing],
        );
        disabled.push(...stale.map((row) => ({ id: row.id, reason: row.disabled_reason })));
      }
      if (gone.length > 0) {
        const goneRows = await manager.query<Array<{ id: string; disabled_reason: string }>>(
          `WITH disabled AS (UPDATE webhook_subscriptions
           SET enabled = false, updated_at = now(),
               disabled_reason = 'the endpoint answered 410 Gone at ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           WHERE id = ANY($1::uuid[]) AND enabled
           RETURNING id, disabled_reason)
           SELECT * FROM disabled`,
          [gone],
        );
        disabled.push(...goneRows.map((row) => ({ id: row.id, reason: row.disabled_reason })));
      }
      return { disabled };
    });
  }
}

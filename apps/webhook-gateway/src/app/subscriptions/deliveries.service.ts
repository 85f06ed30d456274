import { isEventTime, isUuidText } from '@inbound/contracts';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { invalidRequest } from '../http/invalid-request';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { CURSOR_TIME_SQL, decodeDeliveryCursor, encodeDeliveryCursor, type DeliveryCursor } from './delivery-cursor';
import { DELIVERY_PAGE, type BulkRedeliverDto, type ListDeliveriesQuery } from './delivery.dto';
import {
  ATTEMPT_VIEW_COLUMNS,
  attemptView,
  DELIVERY_VIEW_COLUMNS,
  deliveryView,
  type AttemptRow,
  type DeliveryDetail,
  type DeliveryRow,
  type DeliveryView,
} from './delivery-view';

export interface DeliveryPage {
  deliveries: DeliveryView[];
  /** Null on the last page. */
  next_cursor: string | null;
}

function noSuchSubscription(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such subscription' });
}

function noSuchDelivery(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such delivery' });
}

/**
 * Queues a delivery again for the event dispatcher, which claims `pending` rows once `next_attempt_at` has passed. A
 * lease still running is kept: the process holding it is about to attempt the delivery (or is attempting it), and
 * freeing it would let a second process send the same delivery at the same time. A lease whose holder stopped runs out.
 */
const REQUEUE = `status = 'pending', next_attempt_at = now(), updated_at = now(),
  locked_until = CASE WHEN locked_until > now() THEN locked_until END`;

/** The delivery log of subscriber webhooks (written by the event dispatcher and by tests sent here) and redelivery. */
@Injectable()
export class DeliveriesService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('DeliveriesService');
  }

  /** A subscription's deliveries, newest first, a page at a time. */
  async list(subscriptionId: string, query: ListDeliveriesQuery): Promise<DeliveryPage> {
    let after: DeliveryCursor | undefined;
    if (query.cursor !== undefined) {
      after = decodeDeliveryCursor(query.cursor);
      if (!after) throw invalidRequest('cursor', 'cursor must be a next_cursor a listing gave');
    }
    await this.requireSubscription(subscriptionId);
    const limit = query.limit === undefined ? DELIVERY_PAGE.defaultLimit : Number(query.limit);
    // One row more than the page tells whether another page follows.
    const rows = await this.dataSource.query<Array<DeliveryRow & { cursor_time: string }>>(
      `SELECT ${DELIVERY_VIEW_COLUMNS}, ${CURSOR_TIME_SQL} AS cursor_time
       FROM webhook_deliveries
       WHERE subscription_id = $1
         AND ($2::text IS NULL OR status = $2::text)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $5`,
      [subscriptionId, query.status ?? null, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      deliveries: page.map(deliveryView),
      next_cursor: rows.length > limit && last ? encodeDeliveryCursor({ createdAt: last.cursor_time, id: last.id }) : null,
    };
  }

  /** One delivery with its envelope and every attempt, first to last. */
  async get(id: string): Promise<DeliveryDetail> {
    if (!isUuidText(id)) noSuchDelivery();
    const [row] = await this.dataSource.query<Array<DeliveryRow & { payload: unknown }>>(
      `SELECT ${DELIVERY_VIEW_COLUMNS}, payload FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    if (!row) noSuchDelivery();
    const attempts = await this.dataSource.query<AttemptRow[]>(
      `SELECT ${ATTEMPT_VIEW_COLUMNS} FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt, id`,
      [id],
    );
    return { ...deliveryView(row), payload: row.payload, attempts_log: attempts.map(attemptView) };
  }

  /** Queues one delivery again, whatever its status; its attempts keep counting. */
  async redeliver(id: string): Promise<DeliveryView> {
    if (!isUuidText(id)) noSuchDelivery();
    const [row] = await this.dataSource.query<DeliveryRow[]>(
      `WITH queued AS (UPDATE webhook_deliveries SET ${REQUEUE} WHERE id = $1 RETURNING ${DELIVERY_VIEW_COLUMNS})
       SELECT * FROM queued`,
      [id],
    );
    if (!row) noSuchDelivery();
    this.logger.info({ delivery_id: id, subscription_id: row.subscription_id }, 'delivery queued again');
    return deliveryView(row);
  }

  /** Queues again a subscription's deliveries in one status (default `dead`), created at or after `since` when given. */
  async redeliverAll(subscriptionId: string, filter: BulkRedeliverDto): Promise<{ redelivered: number }> {
    if (filter.since !== undefined && !isEventTime(filter.since)) {
      throw invalidRequest('since', 'since must be an RFC 3339 date-time, e.g. 2026-01-31T00:00:00Z');
    }
    await this.requireSubscription(subscriptionId);
    const status = filter.status ?? 'dead';
    const [{ redelivered }] = await this.dataSource.query<Array<{ redelivered: number }>>(
      `WITH queued AS (
         UPDATE webhook_deliveries SET ${REQUEUE}
         WHERE subscription_id = $1 AND status = $2 AND ($3::timestamptz IS NULL OR created_at >= $3::timestamptz)
         RETURNING 1)
       SELECT count(*)::int AS redelivered FROM queued`,
      [subscriptionId, status, filter.since ?? null],
    );
    this.logger.info({ subscription_id: subscriptionId, status, since: filter.since, redelivered }, 'deliveries queued again');
    return { redelivered };
  }

  private async requireSubscription(id: string): Promise<void> {
    if (!isUuidText(id)) noSuchSubscription();
    const found = await this.dataSource.query<unknown[]>(`SELECT 1 FROM webhook_subscriptions WHERE id = $1`, [id]);
    if (found.length === 0) noSuchSubscription();
  }
}

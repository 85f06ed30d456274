import { Inject, Injectable } from '@nestjs/common';
import type { ConnectionReport } from '@inbound/adapters';
import { outboundEventId } from '@inbound/contracts';
import { Counter, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

export type ConnectionOutcome = 'changed' | 'refreshed' | 'stale' | 'unknown_channel';

/**
 * One statement: the channel row is locked, `connection` replaced only by a newer report, and when
 * the status differs from the stored one a `channel.connection_changed` envelope goes into the
 * outbox. Both commit together or neither does (docs/OUTBOUND.md). A report at the stored
 * `reported_at` is the same report again: nothing changes, and the event id (channel + reported_at)
 * could not be written twice anyway.
 */
const RECORD_CONNECTION = `
  WITH previous AS (
    SELECT id, account_id, connection FROM channels WHERE id = $1 FOR UPDATE
  ), updated AS (
    UPDATE channels c SET connection = jsonb_build_object('status', $2::text, 'session_id', $3::text, 'reported_at', $4::text)
    FROM previous p
    WHERE c.id = p.id AND (p.connection IS NULL OR (p.connection->>'reported_at')::timestamptz < $6::timestamptz)
    RETURNING c.id
  ), outboxed AS (
    INSERT INTO outbox_events (id, account_id, type, payload)
    SELECT $5::uuid, p.account_id, 'channel.connection_changed', jsonb_build_object(
      'id', $5::text, 'type', 'channel.connection_changed', 'created_at', $4::text, 'account_id', p.account_id,
      'data', jsonb_build_object(
        'channel_id', p.id, 'status', $2::text, 'previous_status', p.connection->>'status',
        'session_id', $3::text, 'reported_at', $4::text))
    FROM previous p JOIN updated u ON u.id = p.id
    WHERE (p.connection->>'status') IS DISTINCT FROM $2::text
    ON CONFLICT (id) DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM previous)::int AS found, (SELECT count(*) FROM updated)::int AS updated,
         (SELECT count(*) FROM outboxed)::int AS outboxed`;

/**
 * A channel's connection reports, written by the gateway itself: the buses carry messages and
 * statuses only, and the gateway already holds the channel and a PostgreSQL pool. Rejects when
 * PostgreSQL does (the caller answers 503 and the sender retries).
 */
@Injectable()
export class ChannelConnections {
  private readonly reports: Counter<'channel_type' | 'outcome'>;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.reports = new Counter({
      name: 'gateway_connection_reports_total',
      help: 'Connection reports of channels, by outcome (changed: stored with an event, refreshed: stored, same status; stale: older than the stored one)',
      labelNames: ['channel_type', 'outcome'],
      registers: [registry],
    });
  }

  async record(channel: { id: string; channel_type: string }, report: ConnectionReport): Promise<ConnectionOutcome> {
    const eventId = outboundEventId(`${channel.id}:${report.reported_at}`, 'channel.connection_changed');
    const [row] = (await this.dataSource.query(RECORD_CONNECTION, [
      channel.id,
      report.status,
      report.session_id,
      report.reported_at,
      eventId,
      // The same time again, for the comparison: a parameter has one type, and $4 must stay the text as reported.
      report.reported_at,
    ])) as Array<{ found: number; updated: number; outboxed: number }>;
    const outcome: ConnectionOutcome =
      row.found === 0 ? 'unknown_channel' : row.updated === 0 ? 'stale' : row.outboxed > 0 ? 'changed' : 'refreshed';
    this.reports.inc({ channel_type: channel.channel_type, outcome });
    return outcome;
  }
}

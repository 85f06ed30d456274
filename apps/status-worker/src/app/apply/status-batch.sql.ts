import { outboundEventId } from '@inbound/contracts';
import { types as pgTypes } from 'pg';
import { changesRowSql, type MessageStatus, storableJson, storableText } from '@inbound/domain';
import {
  type InformationalRecords,
  isWatermarkUpdate,
  type LockedMessage,
  type MessageRowWrite,
  type StatusUpdate,
} from './status-batch.types';

export interface SqlStatement {
  text: string;
  parameters: unknown[];
  /** node-postgres's per-query type parsers, where the defaults are not the ones wanted. */
  types?: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

const TIMESTAMPTZ_OID = 1184;
// timestamptz as PostgreSQL writes it with the session's TimeZone at UTC: "2026-03-01 10:00:01.123456+00".
const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamptz column as a Date: the UTC form read directly, anything else (another session TimeZone, BC, infinity) by
 * node-postgres's own parser. Same result as that parser (milliseconds truncated), at a fraction of its cost: the lock
 * statement returns four of them per row.
 */
export function readTimestamptz(text: string): Date {
  const parts = UTC_TIMESTAMP.exec(text);
  if (parts === null || parts[1] < '1000') return pgTypes.getTypeParser(TIMESTAMPTZ_OID, 'text')(text) as Date;
  const milliseconds = parts[7] === undefined ? 0 : Number(parts[7].slice(0, 3).padEnd(3, '0'));
  return new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3], +parts[4], +parts[5], +parts[6], milliseconds));
}

// Per query, node-postgres takes these instead of the client's own parsers; the worker sets none of its own, so every other
// type reads as before. Results come as text (named statements here never ask for binary); binary goes the default way.
const LOCKED_ROW_TYPES: SqlStatement['types'] = {
  getTypeParser: (oid, format) =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? readTimestamptz : pgTypes.getTypeParser(oid, format as 'text'),
};

export interface LockedRowRecord {
  id: string;
  account_id: string;
  channel_id: string;
  group_message_id: string | null;
  delivery_address: string;
  created_at: Date;
  status: string;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
  error_details: { code: string | null; message: string | null; provider_status: string | null } | null;
  provider_message_id: string | null;
  read_at: string | null;
  status_events: unknown;
}

const isoTime = (value: string): string => new Date(value).toISOString();

// A watermark only needs the rows it could still change: the domain's own "changes the row"
// condition for its kind, so a recipient's long delivered history is neither locked nor loaded.
const watermarkChangesRow = `CASE w.status WHEN 'read' THEN ${changesRowSql('read', 'wm', 'w.at')} ELSE ${changesRowSql('delivered', 'wm', 'w.at')} END`;

/**
 * Locks every row the updates name in one statement, in id order, so concurrent batches cannot deadlock. Each look-up is
 * a LATERAL subquery with OFFSET 0, which the planner cannot flatten into a seq-scan hash join; `direction` stays in the
 * outer query so a table without statistics is not probed through the partial recipient index. Null when there is
 * nothing to look up.
 */
export function lockMessagesStatement(updates: readonly StatusUpdate[]): SqlStatement | null {
  const keyed = new Map<string, { providerMessageId: string; channelId: string }>();
  const watermarks = new Map<string, { channelId: string; recipient: string; watermark: string; at: string; status: string }>();
  for (const update of updates) {
    if (!isWatermarkUpdate(update)) {
      // A text holding U+0000 cannot be a parameter; no stored id holds one, so the match is unchanged.
      const providerMessageId = storableText(update.provider_message_id as string);
      keyed.set(`${update.channel_id}\u0000${providerMessageId}`, { providerMessageId, channelId: update.channel_id });
    } else {
      const entry = {
        channelId: update.channel_id,
        recipient: storableText(update.recipient_address as string),
        watermark: isoTime(update.watermark as string),
        at: isoTime(update.timestamp),
        status: update.status,
      };
      watermarks.set(Object.values(entry).join('\u0000'), entry);
    }
  }
  const parameters: unknown[] = [];
  const add = (values: unknown[]): string => {
    parameters.push(values);
    return `$${parameters.length}`;
  };
  const sources: string[] = [];
  if (keyed.size > 0) {
    const entries = [...keyed.values()];
    const ids = add(entries.map((entry) => entry.providerMessageId));
    const channels = add(entries.map((entry) => entry.channelId));
    sources.push(`
      SELECT km.id
      FROM unnest(${ids}::text[], ${channels}::uuid[]) AS k(provider_message_id, channel_id)
      CROSS JOIN LATERAL (
        SELECT id FROM messages
        WHERE (metadata_->>'provider_message_id') = k.provider_message_id AND channel_id = k.channel_id
        OFFSET 0
      ) km`);
  }
  if (watermarks.size > 0) {
    const entries = [...watermarks.values()];
    const channels = add(entries.map((entry) => entry.channelId));
    const recipients = add(entries.map((entry) => entry.recipient));
    const marks = add(entries.map((entry) => entry.watermark));
    const times = add(entries.map((entry) => entry.at));
    const statuses = add(entries.map((entry) => entry.status));
    sources.push(`
      SELECT wm.id
      FROM unnest(${channels}::uuid[], ${recipients}::text[], ${marks}::timestamptz[], ${times}::timestamptz[], ${statuses}::text[])
        AS w(channel_id, recipient, watermark, at, status)
      CROSS JOIN LATERAL (
        SELECT wm.id FROM messages wm
        WHERE wm.channel_id = w.channel_id AND wm.delivery_address = w.recipient AND wm.direction = 'outbound'
          AND COALESCE(wm.sent_at, wm.created_at) <= w.watermark AND ${watermarkChangesRow}
        OFFSET 0
      ) wm`);
  }
  if (sources.length === 0) return null;
  return {
    text: `
      SELECT m.id, m.account_id, m.channel_id, m.group_message_id, m.delivery_address, m.created_at,
             m.status, m.sent_at, m.delivered_at, m.failed_at, m.error_details,
             m.metadata_->>'provider_message_id' AS provider_message_id,
             m.metadata_->>'read_at' AS read_at,
             m.metadata_->'status_events' AS status_events
      FROM messages m
      WHERE m.id IN (${sources.join('\n      UNION ALL')}) AND m.direction = 'outbound'
      ORDER BY m.id
      FOR UPDATE OF m`,
    parameters,
    types: LOCKED_ROW_TYPES,
  };
}

/** Indexes of the watermarks covering no outbound row at all (nothing sent yet, or not committed); rare. */
export function uncoveredWatermarksStatement(updates: readonly StatusUpdate[]): SqlStatement {
  return {
    text: `
      SELECT (w.i - 1)::int AS index
      FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS w(channel_id, recipient, watermark, i)
      WHERE NOT EXISTS (
        SELECT 1 FROM messages m
        WHERE m.channel_id = w.channel_id AND m.delivery_address = w.recipient AND m.direction = 'outbound'
          AND COALESCE(m.sent_at, m.created_at) <= w.watermark
      )`,
    parameters: [
      updates.map((update) => update.channel_id),
      updates.map((update) => storableText(update.recipient_address as string)),
      updates.map((update) => isoTime(update.watermark as string)),
    ],
  };
}

/**
 * The `message.*` outbox envelope (docs/OUTBOUND.md) of event `e` (id, type, status, previous_status, occurred_at,
 * channel_type) about the updated row `c` (its columns as the statement left them, read_at and error_details included),
 * `createdAt` the parameter holding the batch's created_at. Shared by both statements that write status events.
 */
export const messageEventPayloadSql = (createdAt: string) => `jsonb_build_object(
          'id', e.id, 'type', e.type, 'created_at', ${createdAt}::text, 'account_id', c.account_id,
          'data', jsonb_build_object(
            'message_id', c.id, 'channel_id', c.channel_id, 'channel_type', e.channel_type,
            'provider_message_id', c.provider_message_id, 'group_message_id', c.group_message_id,
            'delivery_address', c.delivery_address, 'status', e.status, 'previous_status', e.previous_status,
            'occurred_at', e.occurred_at)
          || CASE WHEN e.type = 'message.read' AND c.read_at IS NOT NULL THEN jsonb_build_object('read_at', c.read_at)
                  WHEN e.type = 'message.failed' THEN jsonb_build_object('error',
                    COALESCE(c.error_details, '{"code": null, "message": null, "provider_status": null}'::jsonb))
                  ELSE '{}'::jsonb END)`;

/**
 * CTEs `moves` … `completed_events` after a CTE `changed` (the updated rows, with group_message_id and the booleans
 * delivered_move, failed_move, read_move): the campaign counters moved once per batch, campaign rows locked in id order
 * so batches cannot deadlock, and a `campaign.completed` for each campaign this statement completed. `completedEventId`
 * gives the SQL of that event's id for a campaign id expression; `createdAt` is the parameter holding the batch's
 * created_at.
 */
export function campaignCountersSql(completedEventId: (campaign: string) => string, createdAt: string): string {
  return `moves AS (
        SELECT group_message_id AS id,
               count(*) FILTER (WHERE delivered_move)::int AS delivered,
               count(*) FILTER (WHERE failed_move)::int AS failed,
               count(*) FILTER (WHERE read_move)::int AS read
        FROM changed
        WHERE group_message_id IS NOT NULL AND (delivered_move OR failed_move OR read_move)
        GROUP BY group_message_id
      ), locked AS (
        SELECT g.id, g.status AS before_status FROM group_messages g WHERE g.id IN (SELECT id FROM moves) ORDER BY g.id FOR UPDATE
      ), counted AS (
        UPDATE group_messages g SET
          delivered_count = g.delivered_count + d.delivered,
          failed_count = g.failed_count + d.failed,
          read_count = g.read_count + d.read,
          status = CASE
            WHEN g.total_count > 0 AND g.delivered_count + d.delivered + g.failed_count + d.failed >= g.total_count THEN 'completed'
            ELSE g.status END,
          updated_at = now()
        FROM locked l JOIN moves d ON d.id = l.id
        WHERE g.id = l.id
        RETURNING g.id, g.account_id, g.channel_id, g.total_count, g.delivered_count, g.failed_count, g.read_count, g.status,
                  l.before_status
      ), completed_events AS (
        INSERT INTO outbox_events (id, account_id, type, payload)
        SELECT k.event_id, c.account_id, 'campaign.completed', jsonb_build_object(
          'id', k.event_id, 'type', 'campaign.completed',
          'created_at', ${createdAt}::text, 'account_id', c.account_id,
          'data', jsonb_build_object(
            'group_message_id', c.id, 'channel_id', c.channel_id, 'total_count', c.total_count,
            'delivered_count', c.delivered_count, 'failed_count', c.failed_count, 'read_count', c.read_count))
        FROM counted c CROSS JOIN LATERAL (SELECT ${completedEventId('c.id')} AS event_id) k
        WHERE c.status = 'completed' AND c.before_status <> 'completed'
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
      )`;
}

// writeBatchStatement's text, fixed: built once, and the same string on every batch for the statement-name lookup.
// $1 the rows (JSON), $2 and $3 the campaigns and their `campaign.completed` ids, $4 the events (JSON), $5 created_at.
const WRITE_BATCH_SQL = `
      WITH input AS (
        SELECT * FROM json_to_recordset($1::json) AS u(
          id uuid, before_status text, status text, sent_at timestamptz, delivered_at timestamptz,
          failed_at timestamptz, error_details jsonb, metadata_patch jsonb,
          delivered_move boolean, failed_move boolean, read_move boolean)
      ), changed AS (
        UPDATE messages m SET
          status = COALESCE(u.status, m.status),
          sent_at = COALESCE(u.sent_at, m.sent_at),
          delivered_at = COALESCE(u.delivered_at, m.delivered_at),
          failed_at = COALESCE(u.failed_at, m.failed_at),
          error_details = COALESCE(u.error_details, m.error_details),
          metadata_ = CASE WHEN u.metadata_patch IS NULL THEN m.metadata_ ELSE m.metadata_ || u.metadata_patch END,
          updated_at = now()
        FROM input u
        WHERE m.id = u.id AND m.status = u.before_status
        RETURNING m.id, m.account_id, m.channel_id, m.group_message_id, m.delivery_address, m.error_details,
                  m.metadata_->>'provider_message_id' AS provider_message_id, m.metadata_->>'read_at' AS read_at,
                  u.delivered_move, u.failed_move, u.read_move
      ), message_events AS (
        INSERT INTO outbox_events (id, account_id, type, payload)
        SELECT e.id, c.account_id, e.type, ${messageEventPayloadSql('$5')}
        FROM json_to_recordset($4::json) AS e(
          message_id uuid, id uuid, type text, status text, previous_status text, occurred_at text, channel_type text)
        JOIN changed c ON c.id = e.message_id
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
      ), ${campaignCountersSql(
        (campaign) =>
          `(SELECT k.event_id FROM unnest($2::uuid[], $3::uuid[]) AS k(group_message_id, event_id) WHERE k.group_message_id = ${campaign})`,
        '$5',
      )}
      SELECT (SELECT count(*) FROM changed)::int AS changed_rows, (SELECT count(*) FROM counted)::int AS campaigns,
             (SELECT count(*) FROM message_events)::int AS message_events, (SELECT count(*) FROM completed_events)::int AS completed_events`;

const completedEventIds = new Map<string, string>();
const COMPLETED_EVENT_IDS_KEPT = 10_000;

/**
 * The id a campaign's `campaign.completed` would have. Every batch passes one for each campaign it touches, though few
 * complete; campaigns recur from batch to batch, so their ids are remembered (a bounded map, emptied when full).
 */
function campaignCompletedEventId(groupMessageId: string): string {
  let id = completedEventIds.get(groupMessageId);
  if (id === undefined) {
    if (completedEventIds.size >= COMPLETED_EVENT_IDS_KEPT) completedEventIds.clear();
    id = outboundEventId(groupMessageId, 'campaign.completed');
    completedEventIds.set(groupMessageId, id);
  }
  return id;
}

/**
 * Writes the changed fields of the locked rows (guarded by their locked status), then moves the campaign counters taken
 * from the rows that changed, locking campaign rows in id order so batches cannot deadlock. A campaign whose every message
 * has an outcome is completed and never reopens. The outbox gets the events of the rows that changed, their envelopes
 * assembled here from each row as this statement leaves it (docs/OUTBOUND.md, `message.*`), and a `campaign.completed`
 * for each campaign this statement completed, all in the caller's transaction. Returns one row: how many message rows
 * changed.
 */
export function writeBatchStatement(writes: readonly MessageRowWrite[], createdAt: Date): SqlStatement {
  const rows = writes.map((write) => ({
    id: write.id,
    before_status: write.before_status,
    status: write.status ?? null,
    sent_at: write.sent_at?.toISOString() ?? null,
    delivered_at: write.delivered_at?.toISOString() ?? null,
    failed_at: write.failed_at?.toISOString() ?? null,
    error_details: write.error_details ?? null,
    metadata_patch: write.metadata_patch ?? null,
    delivered_move: write.counters.includes('delivered_count'),
    failed_move: write.counters.includes('failed_count'),
    read_move: write.counters.includes('read_count'),
  }));
  const events = writes.flatMap((write) => write.events.map((event) => ({ message_id: write.id, ...event })));
  const campaigns = [...new Set(writes.flatMap((write) => (write.group_message_id ? [write.group_message_id] : [])))];
  return {
    text: WRITE_BATCH_SQL,
    parameters: [storableJson(rows), campaigns, campaigns.map(campaignCompletedEventId), storableJson(events), createdAt.toISOString()],
  };
}

/** A row of the lock statement as the fold reads it. */
export function lockedMessageOf(record: LockedRowRecord): LockedMessage {
  return {
    id: record.id,
    account_id: record.account_id,
    channel_id: record.channel_id,
    provider_message_id: record.provider_message_id,
    group_message_id: record.group_message_id,
    delivery_address: record.delivery_address,
    created_at: record.created_at,
    state: {
      status: record.status as MessageStatus,
      sent_at: record.sent_at,
      delivered_at: record.delivered_at,
      failed_at: record.failed_at,
      read_at: record.read_at,
      error_details: record.error_details,
    },
    status_events: informationalRecordsOf(record.status_events),
  };
}

/** `metadata_.status_events` as we write it; anything else under that key is not ours to keep. */
function informationalRecordsOf(value: unknown): InformationalRecords {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const records: InformationalRecords = {};
  for (const [kind, entry] of Object.entries(value as Record<string, unknown>)) {
    const record = entry as Record<string, unknown> | null;
    if (record && typeof record['first_at'] === 'string' && typeof record['last_at'] === 'string') {
      records[kind] = record as unknown as InformationalRecords[string];
    }
  }
  return records;
}

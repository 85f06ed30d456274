/**
 * The lean reference's worker half (status-storm.bench.ts): consume the quorum queue with a prefetch
 * window, fold each batch per message (the furthest status and the earliest time of each kind), apply
 * it with one SQL statement that moves rows forward and the campaign counters once, then ack the batch.
 * Same status rules as the pipeline; no retry path, no metrics. No outbox either, unless REFERENCE_OUTBOX=1
 * (`--reference-outbox 1`): then the same statement also writes an outbox row per message event and per
 * completed campaign, with the fields of the pipeline's envelopes, so the two can be compared with the promise
 * held equal. It folds a batch per message, so its `previous_status` and its `message.sent` can differ from the
 * pipeline's, which applies a batch's updates in the order they came.
 */
import { connect, type ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { REFERENCE_QUEUE } from './reference-topology';

const PREFETCH = 2_000;
const BATCH = 1_000;
// A batch smaller than BATCH waits this long for more before it is applied.
const LINGER_MS = 5;

interface Folded {
  sentAt?: number;
  deliveredAt?: number;
  readAt?: number;
}

/** The rows of CTE `target` (old status and read_at, the batch's folded times) moved forward by the status rules. */
const MOVE_ROWS = `UPDATE messages m SET
    status = CASE
      WHEN t.old_status IN ('delivered', 'failed') THEN t.old_status
      WHEN t.delivered_at IS NOT NULL OR t.read_at IS NOT NULL THEN 'delivered'
      WHEN t.sent_at IS NOT NULL THEN 'sent'
      ELSE t.old_status END,
    sent_at = LEAST(m.sent_at, t.sent_at),
    delivered_at = CASE WHEN t.old_status = 'failed' THEN m.delivered_at
                        ELSE LEAST(m.delivered_at, t.delivered_at, t.read_at::timestamptz) END,
    metadata_ = CASE WHEN t.read_at IS NOT NULL AND (t.old_read IS NULL OR t.read_at < t.old_read)
                     THEN m.metadata_ || jsonb_build_object('read_at', t.read_at) ELSE m.metadata_ END,
    updated_at = now()
  FROM target t WHERE m.id = t.id`;

/** One statement: lock the batch's rows, move them, then add to each campaign what moved. */
const APPLY_BATCH = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[]) AS i(pid, sent_at, delivered_at, read_at)
), target AS (
  SELECT m.id, m.group_message_id, m.status AS old_status, m.metadata_->>'read_at' AS old_read, i.sent_at, i.delivered_at, i.read_at
  FROM messages m JOIN input i ON m.metadata_->>'provider_message_id' = i.pid AND m.channel_id = $5
  FOR UPDATE OF m
), updated AS (
  ${MOVE_ROWS}
  RETURNING t.group_message_id, t.old_status, m.status AS new_status, t.old_read, m.metadata_->>'read_at' AS new_read
), moved AS (
  SELECT group_message_id,
         count(*) FILTER (WHERE old_status <> 'delivered' AND new_status = 'delivered')::int AS delivered,
         count(*) FILTER (WHERE old_read IS NULL AND new_read IS NOT NULL)::int AS read
  FROM updated WHERE group_message_id IS NOT NULL GROUP BY group_message_id
)
UPDATE group_messages g SET
  delivered_count = g.delivered_count + moved.delivered,
  read_count = g.read_count + moved.read,
  status = CASE WHEN g.delivered_count + moved.delivered + g.failed_count >= g.total_count THEN 'completed' ELSE g.status END,
  updated_at = now()
FROM moved WHERE g.id = moved.group_message_id`;

/**
 * APPLY_BATCH plus the outbox: a `message.sent`, `message.delivered` or `message.read` row for each step a message
 * took in this batch and a `campaign.completed` for each campaign it completed, each with the envelope the pipeline
 * writes (docs/OUTBOUND.md) and an id derived from the message (or campaign) and the type, so at most one of each.
 */
const APPLY_BATCH_WITH_OUTBOX = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[]) AS i(pid, sent_at, delivered_at, read_at)
), target AS (
  SELECT m.id, m.account_id, m.channel_id, m.group_message_id, m.delivery_address, m.status AS old_status,
         m.metadata_->>'read_at' AS old_read, i.pid, i.sent_at, i.delivered_at, i.read_at
  FROM messages m JOIN input i ON m.metadata_->>'provider_message_id' = i.pid AND m.channel_id = $5
  FOR UPDATE OF m
), updated AS (
  ${MOVE_ROWS}
  RETURNING t.*, m.status AS new_status, m.metadata_->>'read_at' AS new_read
), message_events AS (
  INSERT INTO outbox_events (id, account_id, type, payload)
  SELECT md5(u.id::text || e.type)::uuid, u.account_id, e.type, jsonb_build_object(
    'id', md5(u.id::text || e.type)::uuid, 'type', e.type, 'created_at', now()::text, 'account_id', u.account_id,
    'data', jsonb_build_object(
      'message_id', u.id, 'channel_id', u.channel_id, 'channel_type', 'whatsapp', 'provider_message_id', u.pid,
      'group_message_id', u.group_message_id, 'delivery_address', u.delivery_address, 'status', e.status,
      'previous_status', u.old_status, 'occurred_at', e.at)
      || CASE WHEN e.type = 'message.read' THEN jsonb_build_object('read_at', u.new_read) ELSE '{}'::jsonb END)
  FROM updated u CROSS JOIN LATERAL (VALUES
    ('message.sent', 'sent', u.old_status IN ('pending', 'queued') AND u.sent_at IS NOT NULL, u.sent_at),
    ('message.delivered', 'delivered', u.old_status NOT IN ('delivered', 'failed') AND u.new_status = 'delivered',
      LEAST(u.delivered_at, u.read_at::timestamptz)),
    ('message.read', 'read', u.old_read IS NULL AND u.new_read IS NOT NULL, u.read_at::timestamptz)
  ) AS e(type, status, moved, at)
  WHERE e.moved
  ON CONFLICT (id) DO NOTHING
), moved AS (
  SELECT group_message_id,
         count(*) FILTER (WHERE old_status <> 'delivered' AND new_status = 'delivered')::int AS delivered,
         count(*) FILTER (WHERE old_read IS NULL AND new_read IS NOT NULL)::int AS read
  FROM updated WHERE group_message_id IS NOT NULL GROUP BY group_message_id
), counted AS (
  UPDATE group_messages g SET
    delivered_count = g.delivered_count + moved.delivered,
    read_count = g.read_count + moved.read,
    status = CASE WHEN g.delivered_count + moved.delivered + g.failed_count >= g.total_count THEN 'completed' ELSE g.status END,
    updated_at = now()
  FROM moved WHERE g.id = moved.group_message_id
  RETURNING g.id, g.account_id, g.channel_id, g.total_count, g.delivered_count, g.read_count, g.failed_count,
            g.status = 'completed' AND g.delivered_count - moved.delivered + g.failed_count < g.total_count AS completed_now
)
INSERT INTO outbox_events (id, account_id, type, payload)
SELECT md5(c.id::text || 'campaign.completed')::uuid, c.account_id, 'campaign.completed', jsonb_build_object(
  'id', md5(c.id::text || 'campaign.completed')::uuid, 'type', 'campaign.completed', 'created_at', now()::text,
  'account_id', c.account_id,
  'data', jsonb_build_object('group_message_id', c.id, 'channel_id', c.channel_id, 'total_count', c.total_count,
    'delivered_count', c.delivered_count, 'read_count', c.read_count, 'failed_count', c.failed_count))
FROM counted c WHERE c.completed_now
ON CONFLICT (id) DO NOTHING`;

function fold(messages: ConsumeMessage[]): Map<string, Folded> {
  const folded = new Map<string, Folded>();
  for (const message of messages) {
    const event = JSON.parse(message.content.toString('utf8')) as { provider_message_id: string; status: string; timestamp: string };
    const at = Number(event.timestamp) * 1000;
    const entry = folded.get(event.provider_message_id) ?? {};
    const key =
      event.status === 'sent' ? 'sentAt' : event.status === 'delivered' ? 'deliveredAt' : event.status === 'read' ? 'readAt' : undefined;
    if (key && (entry[key] === undefined || at < (entry[key] as number))) entry[key] = at;
    folded.set(event.provider_message_id, entry);
  }
  return folded;
}

const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());

async function main(): Promise<void> {
  const channelId = process.env.CHANNEL_ID as string;
  const statement = process.env.REFERENCE_OUTBOX === '1' ? APPLY_BATCH_WITH_OUTBOX : APPLY_BATCH;
  const database = new Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  const connection = await connect(process.env.RABBITMQ_URL as string, { noDelay: true });
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);

  let pending: ConsumeMessage[] = [];
  let committed = 0;
  let applying = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const apply = (batch: ConsumeMessage[]) => {
    applying = applying.then(async () => {
      const folded = [...fold(batch)];
      await database.query('BEGIN');
      await database.query(statement, [
        folded.map(([id]) => id),
        folded.map(([, entry]) => iso(entry.sentAt)),
        folded.map(([, entry]) => iso(entry.deliveredAt)),
        folded.map(([, entry]) => iso(entry.readAt)),
        channelId,
      ]);
      await database.query('COMMIT');
      // Acked only once committed: the whole batch up to its last delivery.
      channel.ack(batch[batch.length - 1], true);
      // The benchmark reads the count of committed batches from this line.
      process.stdout.write(`batches ${++committed}\n`);
    });
    applying.catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    apply(batch);
  };

  await channel.consume(REFERENCE_QUEUE, (message) => {
    if (!message) return;
    pending.push(message);
    if (pending.length >= BATCH) flush();
    else timer ??= setTimeout(flush, LINGER_MS);
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    flush();
    applying
      .then(() => connection.close())
      .then(() => database.end())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

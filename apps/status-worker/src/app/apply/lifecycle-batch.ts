import { nameBasedUuidSql, parseStatusTime, storableText } from '@inbound/domain';
import { campaignCountersSql, messageEventPayloadSql, type SqlStatement } from './status-batch.sql';
import type { StatusIgnoredReason, StatusUpdate, StatusUpdateResult } from './status-batch.types';

// One statement for the common batch (docs/STATUS-WORKER.md, "From queue to commit"): every update names its message by
// provider id alone and is `sent`, `delivered` or `read`. The rows are locked in id order, each update applied to its
// rows by the status rules for those three kinds, the rows, the outbox events and the campaign counters written, in one
// statement and without the fold. The rules are those of applyStatusUpdate (libs/domain) for these kinds, one update per
// row; test/lifecycle-batch.int.spec.ts checks that rows, counters, outbox and results come out exactly as through the
// fold. A statement takes each message once: a batch naming a message twice is applied in passes, the k-th update
// naming a message in the k-th pass, each pass its own statement and so its own transaction, as if the batch had come
// as that many batches. Anything else goes through the lock, the fold and the write in one transaction.

const LIFECYCLE_KINDS: ReadonlySet<string> = new Set(['sent', 'delivered', 'read']);

function isPlainLifecycleUpdate(update: StatusUpdate): boolean {
  return (
    update.provider_message_id !== undefined &&
    // The fold matches channels as text against PostgreSQL's lower-case form; the statement compares uuids.
    update.channel_id === update.channel_id.toLowerCase() &&
    update.watermark === undefined &&
    update.recipient_address === undefined &&
    LIFECYCLE_KINDS.has(update.status)
  );
}

/** One pass as the statement takes it: the indexes of its updates in the batch, and its parameters. */
interface LifecyclePass {
  indexes: number[];
  keys: string[];
  channels: string[];
  kinds: string[];
  times: string[];
  types: string[];
}

/** The event time as the fold writes it, or null when it cannot be read (the fold then answers for it). */
function statementTime(update: StatusUpdate): string | null {
  try {
    return parseStatusTime(update.timestamp).toISOString();
  } catch {
    return null;
  }
}

/**
 * The batch as passes of the statement, in one walk over it: the k-th update naming a message (its channel and provider
 * id as stored) goes in the k-th pass, so each pass names a message once and each message sees its updates in the
 * batch's order. Null when some update is not one the statement takes.
 */
function passesOf(updates: readonly StatusUpdate[]): LifecyclePass[] | null {
  if (updates.length === 0) return null;
  const occurrences = new Map<string, number>();
  const passes: LifecyclePass[] = [];
  for (let index = 0; index < updates.length; index++) {
    const update = updates[index];
    if (!isPlainLifecycleUpdate(update)) return null;
    const occurredAt = statementTime(update);
    if (occurredAt === null) return null;
    const key = storableText(update.provider_message_id as string);
    const named = `${update.channel_id}\u0000${key}`;
    const occurrence = occurrences.get(named) ?? 0;
    occurrences.set(named, occurrence + 1);
    const pass = (passes[occurrence] ??= { indexes: [], keys: [], channels: [], kinds: [], times: [], types: [] });
    pass.indexes.push(index);
    pass.keys.push(key);
    pass.channels.push(update.channel_id);
    pass.kinds.push(update.status);
    pass.times.push(occurredAt);
    pass.types.push(storableText(update.channel_type));
  }
  return passes;
}

/** The batch's passes as indexes into `updates` (passesOf), or null when it is not one the statement takes. */
export function lifecyclePasses(updates: readonly StatusUpdate[]): number[][] | null {
  return passesOf(updates)?.map((pass) => pass.indexes) ?? null;
}

const eventId = (subject: string, type: string) => nameBasedUuidSql([`'outbound'`, `${subject}::text`, type]);

// $1 provider ids, $2 channels, $3 kinds, $4 event times (ISO-8601 UTC, as the fold writes them), $5 channel types,
// $6 created_at. Rows and times are compared as the fold sees them: times to the millisecond.
const LIFECYCLE_BATCH_SQL = `
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
          AS i(provider_message_id, channel_id, kind, occurred_at, channel_type, n)
      ), rows_locked AS (
        -- The batch names a message once and a row has one provider id, so a row is found by one update at most.
        SELECT m.id, m.account_id, m.channel_id, m.group_message_id, m.delivery_address,
               m.metadata_->>'provider_message_id' AS provider_message_id, m.status AS old_status,
               date_trunc('milliseconds', m.sent_at) AS old_sent, date_trunc('milliseconds', m.delivered_at) AS old_delivered,
               m.metadata_->>'read_at' AS old_read,
               f.n, f.kind, f.occurred_at, f.occurred_at::timestamptz AS at, f.channel_type
        FROM (
          SELECT km.id, k.n, k.kind, k.occurred_at, k.channel_type FROM input k
          CROSS JOIN LATERAL (
            SELECT id FROM messages
            WHERE (metadata_->>'provider_message_id') = k.provider_message_id AND channel_id = k.channel_id
            OFFSET 0
          ) km
        ) f
        JOIN messages m ON m.id = f.id
        WHERE m.direction = 'outbound'
        ORDER BY m.id
        FOR UPDATE OF m
      ), needs_fold AS (
        -- A read compares its time with a recorded read_at, which is text: the fold reads it as Date.parse would.
        SELECT 1 FROM rows_locked WHERE kind = 'read' AND old_read IS NOT NULL AND old_status <> 'failed' LIMIT 1
      ), decided AS (
        SELECT l.*,
          CASE WHEN l.kind = 'sent' THEN CASE WHEN l.old_status IN ('pending', 'queued') THEN 'sent' ELSE l.old_status END
               WHEN l.old_status = 'failed' THEN l.old_status
               ELSE 'delivered' END AS new_status,
          CASE WHEN l.kind = 'sent' AND (l.old_sent IS NULL OR l.at < l.old_sent) THEN l.at END AS new_sent,
          CASE WHEN l.kind <> 'sent' AND l.old_status <> 'failed'
                    AND (l.old_status <> 'delivered' OR l.old_delivered IS NULL OR l.at < l.old_delivered) THEN l.at END AS new_delivered,
          CASE WHEN l.kind = 'read' AND l.old_status <> 'failed' AND l.old_read IS NULL THEN l.occurred_at END AS new_read
        FROM rows_locked l
      ), changed AS (
        UPDATE messages m SET
          status = d.new_status,
          sent_at = COALESCE(d.new_sent, m.sent_at),
          delivered_at = COALESCE(d.new_delivered, m.delivered_at),
          metadata_ = CASE WHEN d.new_read IS NULL THEN m.metadata_ ELSE m.metadata_ || jsonb_build_object('read_at', d.new_read) END,
          updated_at = now()
        FROM decided d
        WHERE m.id = d.id AND NOT EXISTS (SELECT 1 FROM needs_fold)
          AND (d.new_status <> d.old_status OR d.new_sent IS NOT NULL OR d.new_delivered IS NOT NULL OR d.new_read IS NOT NULL)
        RETURNING m.id, m.account_id, m.channel_id, m.group_message_id, m.delivery_address, m.error_details,
                  m.metadata_->>'provider_message_id' AS provider_message_id, m.metadata_->>'read_at' AS read_at,
                  d.n, d.old_status, d.occurred_at, d.channel_type,
                  d.new_status = 'sent' AND d.old_status <> 'sent' AS sent_move,
                  d.new_status = 'delivered' AND d.old_status <> 'delivered' AS delivered_move,
                  false AS failed_move,
                  d.new_read IS NOT NULL AS read_move
      ), message_events AS (
        INSERT INTO outbox_events (id, account_id, type, payload)
        SELECT e.id, c.account_id, e.type, ${messageEventPayloadSql('$6')}
        FROM changed c
        CROSS JOIN LATERAL (
          SELECT ${eventId('c.id', 't.type')} AS id, t.type, t.status, c.old_status AS previous_status, c.occurred_at,
                 c.channel_type, t.position
          FROM (VALUES ('message.sent', 'sent', 1, c.sent_move), ('message.delivered', 'delivered', 2, c.delivered_move),
                       ('message.read', 'read', 3, c.read_move)) AS t(type, status, position, moved)
          WHERE t.moved
          OFFSET 0 -- computed once per event, not once per use of the id
        ) e
        ORDER BY c.id, e.position
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
      ), ${campaignCountersSql((campaign) => eventId(campaign, `'campaign.completed'`), '$6')}, outcomes AS (
        SELECT d.n, bool_or(c.id IS NOT NULL) AS applied,
               (array_agg(CASE WHEN d.kind <> 'sent' AND d.old_status = 'failed' THEN 'lifecycle_ended' ELSE 'already_recorded' END
                          ORDER BY d.id))[1] AS reason
        FROM decided d LEFT JOIN changed c ON c.id = d.id
        GROUP BY d.n
      )
      SELECT i.n::int AS n,
             CASE WHEN o.n IS NULL THEN 'not_found' WHEN o.applied THEN 'applied' ELSE o.reason END AS result,
             EXISTS (SELECT 1 FROM needs_fold) AS needs_fold,
             (SELECT count(*) FROM message_events)::int + (SELECT count(*) FROM completed_events)::int AS events
      FROM input i LEFT JOIN outcomes o ON o.n = i.n
      ORDER BY i.n`;

function statementOf(pass: LifecyclePass, createdAt: Date): SqlStatement {
  return {
    text: LIFECYCLE_BATCH_SQL,
    parameters: [pass.keys, pass.channels, pass.kinds, pass.times, pass.types, createdAt.toISOString()],
  };
}

/** The statement for `updates`, or null when the batch is not one it takes in a single pass. */
export function lifecycleBatchStatement(updates: readonly StatusUpdate[], createdAt: Date): SqlStatement | null {
  const passes = passesOf(updates);
  return passes?.length === 1 ? statementOf(passes[0], createdAt) : null;
}

export interface LifecycleBatchRow {
  n: number;
  result: 'applied' | 'not_found' | StatusIgnoredReason;
  needs_fold: boolean;
}

/** True when the statement handed its pass back to the fold: a row needed it, and the statement wrote nothing. */
export function handedBackToFold(rows: readonly LifecycleBatchRow[]): boolean {
  return rows.length === 0 || rows[0].needs_fold;
}

/** One result per update, in order; null when the statement handed its pass back to the fold. */
export function lifecycleBatchResults(rows: readonly LifecycleBatchRow[]): StatusUpdateResult[] | null {
  if (handedBackToFold(rows)) return null;
  return rows.map(({ result }) =>
    result === 'applied' ? { kind: 'applied' } : result === 'not_found' ? { kind: 'not_found' } : { kind: 'ignored', reason: result },
  );
}

/** How a batch went through the statement: one result per update, statements run, passes handed to the fold. */
export interface LifecycleBatchOutcome {
  results: StatusUpdateResult[];
  statements: number;
  handedBack: number;
}

/**
 * A pass failed after earlier passes had committed: their results stand (`results`, undefined for the updates not
 * applied), so the caller isolates only the rest instead of reporting committed updates as already recorded.
 */
export class PartlyAppliedBatchError extends Error {
  constructor(
    readonly failure: unknown,
    readonly results: ReadonlyArray<StatusUpdateResult | undefined>,
  ) {
    super(`a later pass of the batch failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
}

/**
 * Applies the batch through the statement, pass by pass (passesOf), `alone` running each statement as its own
 * transaction; a pass the statement hands back (it then wrote nothing) goes to `fold` whole before the next pass. Null
 * when the batch is not one the statement takes: the caller folds it. When a pass fails after others committed, throws
 * PartlyAppliedBatchError.
 */
export async function applyLifecycleBatch(
  updates: readonly StatusUpdate[],
  alone: (statement: SqlStatement) => Promise<LifecycleBatchRow[]>,
  fold: (updates: readonly StatusUpdate[]) => Promise<StatusUpdateResult[]>,
  createdAt = new Date(),
): Promise<LifecycleBatchOutcome | null> {
  const passes = passesOf(updates);
  if (passes === null) return null;
  const results = new Array<StatusUpdateResult>(updates.length);
  let handedBack = 0;
  for (const [position, pass] of passes.entries()) {
    try {
      let passResults = lifecycleBatchResults(await alone(statementOf(pass, createdAt)));
      if (passResults === null) {
        handedBack += 1;
        passResults = await fold(pass.indexes.map((index) => updates[index]));
      }
      for (let i = 0; i < pass.indexes.length; i++) results[pass.indexes[i]] = passResults[i];
    } catch (error) {
      if (position === 0) throw error;
      throw new PartlyAppliedBatchError(error, results);
    }
  }
  return { results, statements: passes.length, handedBack };
}

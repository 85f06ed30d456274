/**
 * A campaign's status storm, shared by the status benchmarks: outbound WhatsApp messages seeded in
 * campaigns, each to be sent, delivered and read once, and the check that every row and counter
 * ended exactly where the status rules say.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@inbound/testing';
import type { DataSource } from 'typeorm';

export const STORM_KINDS = ['sent', 'delivered', 'read'] as const;
export type StormKind = (typeof STORM_KINDS)[number];

/** Whole seconds: WhatsApp's timestamps are Unix seconds. Sent at +1 s, delivered at +2 s, read at +3 s. */
export const STORM_BASE_TIME = Date.UTC(2026, 2, 1, 10, 0, 0);

export function stormEventTime(kind: StormKind): Date {
  return new Date(STORM_BASE_TIME + (STORM_KINDS.indexOf(kind) + 1) * 1_000);
}

export function stormProviderMessageId(message: number): string {
  return `wamid.BENCH${message}`;
}

export interface StormSeed {
  accountId: string;
  channelId: string;
  messages: number;
  groups: number;
}

/**
 * `messages` outbound rows (status queued) spread over `groups` campaigns, on a WhatsApp channel whose
 * sealed credentials are `credentials` (the status worker never opens them; the gateway does).
 */
export async function seedStorm(
  dataSource: DataSource,
  options: { messages: number; groups: number; channelId?: string; credentials?: string },
): Promise<StormSeed> {
  const accountId = randomUUID();
  const { messages, groups } = options;
  const [channel] = await dataSource.query(
    `INSERT INTO channels (id, account_id, channel_type, name, credentials) VALUES ($1, $2, 'whatsapp', 'bench', $3) RETURNING id`,
    [options.channelId ?? randomUUID(), accountId, options.credentials ?? 'sealed'],
  );
  await dataSource.query(
    `INSERT INTO group_messages (id, account_id, channel_id, total_count)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, $1, $2,
            $3 / $4 + CASE WHEN g < $3 % $4 THEN 1 ELSE 0 END
     FROM generate_series(0, $4 - 1) AS g`,
    [accountId, channel.id, messages, groups],
  );
  await dataSource.query(
    `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, created_at)
     SELECT $1, $2, ('00000000-0000-4000-8000-' || lpad(to_hex(n % $4), 12, '0'))::uuid, 'outbound', 'queued',
            '+1555' || lpad(n::text, 7, '0'), jsonb_build_object('provider_message_id', 'wamid.BENCH' || n), now() - interval '1 hour'
     FROM generate_series(0, $3 - 1) AS n`,
    [accountId, channel.id, messages, groups],
  );
  await dataSource.query('ANALYZE');
  return { accountId, channelId: channel.id, messages, groups };
}

/** How far the counters have come: delivered + read over all campaigns (2 × messages when final). */
export async function stormCounterProgress(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query(`SELECT coalesce(sum(delivered_count + read_count), 0)::int AS moved FROM group_messages`);
  return row.moved;
}

/** Every campaign completed with exact counters, every row delivered with the three event times: the problems found. */
export async function stormProblems(dataSource: DataSource, messages: number): Promise<string[]> {
  const problems: string[] = [];
  const groups = await dataSource.query<
    Array<{ id: string; total_count: number; delivered_count: number; read_count: number; failed_count: number; status: string }>
  >(`SELECT id, total_count, delivered_count, read_count, failed_count, status FROM group_messages`);
  for (const group of groups) {
    if (
      group.delivered_count !== group.total_count ||
      group.read_count !== group.total_count ||
      group.failed_count !== 0 ||
      group.status !== 'completed'
    ) {
      problems.push(`group ${group.id}: ${JSON.stringify(group)}`);
    }
  }
  const [rows] = await dataSource.query(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE status = 'delivered' AND sent_at = $1 AND delivered_at = $2 AND metadata_->>'read_at' = $3)::int AS exact
     FROM messages`,
    [stormEventTime('sent').toISOString(), stormEventTime('delivered').toISOString(), stormEventTime('read').toISOString()],
  );
  if (rows.total !== messages || rows.exact !== messages)
    problems.push(`messages: ${rows.exact} of ${rows.total} exact, expected ${messages}`);
  return problems;
}

/**
 * What is wrong with a finished storm's outbox, if anything: one `message.delivered` and one `message.read` per
 * message, one `campaign.completed` per campaign, and a `message.sent` for at most every message (none for one whose
 * delivered or read came first).
 */
export async function stormOutboxProblems(dataSource: DataSource, messages: number, groups: number): Promise<string[]> {
  const rows = await dataSource.query<Array<{ type: string; n: number }>>(
    `SELECT type, count(*)::int AS n FROM outbox_events GROUP BY type ORDER BY type`,
  );
  const count = (type: string) => rows.find((row) => row.type === type)?.n ?? 0;
  const expected: Record<string, number> = { 'message.delivered': messages, 'message.read': messages, 'campaign.completed': groups };
  const problems: string[] = [];
  for (const [type, n] of Object.entries(expected)) {
    if (count(type) !== n) problems.push(`outbox: ${count(type)} ${type}, expected ${n}`);
  }
  if (count('message.sent') < 1 || count('message.sent') > messages) problems.push(`outbox: ${count('message.sent')} message.sent`);
  const other = rows.filter((row) => row.type !== 'message.sent' && !(row.type in expected));
  if (other.length > 0) problems.push(`outbox: unexpected ${JSON.stringify(other)}`);
  return problems;
}

/**
 * The order a storm's calls arrive in: each message's sent, delivered and read a little apart, with
 * enough jitter that some read overtakes its delivered and some delivered its sent. Indexes are
 * `message * 3 + kind`.
 */
export function jitteredStormOrder(messages: number): Uint32Array {
  const total = messages * STORM_KINDS.length;
  const at = new Float64Array(total);
  // Messages enter at an even pace over [0, 1); their three statuses follow 0.02 apart, ± 0.015 each.
  for (let message = 0; message < messages; message++) {
    for (let kind = 0; kind < STORM_KINDS.length; kind++) {
      at[message * STORM_KINDS.length + kind] = message / messages + kind * 0.02 + (Math.random() * 2 - 1) * 0.015;
    }
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  return order.sort((a, b) => at[a] - at[b]);
}

/**
 * The storm's WhatsApp webhook bodies, one status per call, in the jittered order: Meta's documented status
 * notification with the message's id, the kind and its time filled in. Unsigned; each benchmark signs them itself.
 */
export function stormStatusBodies(messages: number): string[] {
  const template = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'libs/adapters/src/whatsapp/fixtures/status-delivered.json'), 'utf8'));
  return Array.from(jitteredStormOrder(messages), (index) => {
    const kind = STORM_KINDS[index % STORM_KINDS.length];
    const payload = structuredClone(template);
    const status = payload.entry[0].changes[0].value.statuses[0];
    status.id = stormProviderMessageId(Math.floor(index / STORM_KINDS.length));
    status.status = kind;
    status.timestamp = String(stormEventTime(kind).getTime() / 1000);
    // Meta sends conversation and pricing with sent and delivered only.
    if (kind === 'read') {
      delete status.conversation;
      delete status.pricing;
    }
    return JSON.stringify(payload);
  });
}

/**
 * The status worker's own CPU per status, in process on one core, without PostgreSQL or RabbitMQ (issue #21): what the
 * worker does between a batch's message bodies and the SQL it sends. Each batch of `--batch` storm events (the gateway's
 * own events for signed WhatsApp status calls, in the storm's jittered order) is decoded and validated, its lock
 * statement built, its locked rows read as node-postgres hands them over (text through pg's type parsers), folded, and
 * its write statement built with its JSON parameters. The rows' state then moves as the write says, so later batches
 * meet delivered and read rows as in a real storm. Steadier than the end-to-end benchmarks: use it to weigh changes of a
 * microsecond or two. Hot and in process: under load every step costs several times its figure here. Not pinned to a
 * core; run it on a quiet machine.
 *
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/status-batch-cpu.bench.ts \
 *     [--messages 20000] [--batch 40] [--rounds 5]
 */
import { createHmac, randomUUID } from 'node:crypto';
import { types } from 'pg';
// nx-ignore-next-line
import { createWhatsAppAdapter } from '@inbound/adapters';
// The benchmark times the status worker's own functions in process, so it reads them from the app's source; nothing
// depends on it in turn. The lint rule that keeps deployables apart is waived for these four imports only.
/* eslint-disable @nx/enforce-module-boundaries */
// nx-ignore-next-line
import { foldStatusBatch } from '../../apps/status-worker/src/app/apply/status-batch.fold';
// nx-ignore-next-line
import { lockedMessageOf, lockMessagesStatement, writeBatchStatement } from '../../apps/status-worker/src/app/apply/status-batch.sql';
// nx-ignore-next-line
import type { MessageRowWrite, StatusUpdate } from '../../apps/status-worker/src/app/apply/status-batch.types';
// nx-ignore-next-line
import { decodeStatusUpdate } from '../../apps/status-worker/src/app/consumer/status-delivery';
/* eslint-enable @nx/enforce-module-boundaries */
import { flag } from './bench-figures';
import { stormEventTime, stormProviderMessageId, stormStatusBodies } from './campaign-storm';

const MESSAGES = flag('messages', 20_000);
const BATCH = flag('batch', 40);
const ROUNDS = flag('rounds', 5);
const APP_SECRET = 'bench-app-secret';

/** A messages row as the lock statement returns it over the wire: text, or null. */
interface WireRow {
  id: string;
  account_id: string;
  channel_id: string;
  group_message_id: string;
  delivery_address: string;
  created_at: string;
  status: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  error_details: string | null;
  provider_message_id: string;
  read_at: string | null;
  status_events: string | null;
}

const TIMESTAMPTZ = 1184;
const JSONB = 3802;
// As PostgreSQL writes timestamptz in UTC: no fraction for whole seconds (the storm's event times), else up to six digits.
const wireTime = (at: Date) => at.toISOString().replace('T', ' ').replace('.000Z', '+00').replace('Z', '+00');

/** The gateway's events for the storm's calls, as published: one JSON body per status. */
function stormBodies(channel: { id: string; account_id: string }): Buffer[] {
  const adapter = createWhatsAppAdapter({ now: () => new Date(), httpGetText: async () => '' });
  return stormStatusBodies(MESSAGES).map((body) => {
    const rawBody = Buffer.from(body);
    const signature = `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}`;
    const parsed = adapter.parse(
      { method: 'POST', url: 'https://hooks.example.com/webhooks/whatsapp/c', headers: { 'x-hub-signature-256': signature }, rawBody },
      { ...channel, channel_type: 'whatsapp' },
      new Date(),
    );
    if (!parsed.ok || parsed.events.statuses.length !== 1) throw new Error('the WhatsApp adapter did not yield one status');
    return Buffer.from(JSON.stringify(parsed.events.statuses[0]));
  });
}

function seededRows(channel: { id: string; account_id: string }): Map<string, WireRow> {
  const rows = new Map<string, WireRow>();
  // created_at comes from now(): microseconds.
  const createdAt = wireTime(new Date(stormEventTime('sent').getTime() - 3_600_000 + 123)).replace('+00', '456+00');
  for (let message = 0; message < MESSAGES; message++) {
    const providerMessageId = stormProviderMessageId(message);
    rows.set(providerMessageId, {
      id: randomUUID(),
      account_id: channel.account_id,
      channel_id: channel.id,
      group_message_id: `00000000-0000-4000-8000-${(message % 100).toString(16).padStart(12, '0')}`,
      delivery_address: `+1555${String(message).padStart(7, '0')}`,
      created_at: createdAt,
      status: 'queued',
      sent_at: null,
      delivered_at: null,
      failed_at: null,
      error_details: null,
      provider_message_id: providerMessageId,
      read_at: null,
      status_events: null,
    });
  }
  return rows;
}

/** What PostgreSQL would return after the write: the row with the write's fields. */
function written(row: WireRow, write: MessageRowWrite): WireRow {
  return {
    ...row,
    status: write.status ?? row.status,
    sent_at: write.sent_at ? wireTime(write.sent_at) : row.sent_at,
    delivered_at: write.delivered_at ? wireTime(write.delivered_at) : row.delivered_at,
    failed_at: write.failed_at ? wireTime(write.failed_at) : row.failed_at,
    read_at: write.metadata_patch?.read_at ?? row.read_at,
  };
}

/** µs of CPU per status for one pass over the storm, and how many rows the writes changed (a check). */
function pass(bodies: Buffer[], channel: { id: string; account_id: string }): { microseconds: number; writes: number } {
  const rows = seededRows(channel);
  const byId = new Map<string, WireRow>();
  for (const row of rows.values()) byId.set(row.id, row);
  let spent = 0n;
  let writes = 0;
  let sink = 0;
  for (let start = 0; start < bodies.length; start += BATCH) {
    const batch = bodies.slice(start, start + BATCH);
    const named = new Set<string>();
    for (const body of batch) named.add(JSON.parse(body.toString()).provider_message_id);
    // What the lock statement would return, in id order, prepared outside the timed part.
    const wire = [...named].map((id) => rows.get(id) as WireRow).sort((a, b) => (a.id < b.id ? -1 : 1));
    const started = process.hrtime.bigint();
    const updates: StatusUpdate[] = [];
    for (const body of batch) {
      const decoded = decodeStatusUpdate(body);
      if (decoded.ok) updates.push(decoded.event);
    }
    const lock = lockMessagesStatement(updates);
    sink += lock?.parameters.length ?? 0;
    // The statement's own type parsers where it brings them, as node-postgres would use them.
    const parsers = lock?.types ?? types;
    const parseTime = parsers.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => Date;
    const parseJson = parsers.getTypeParser(JSONB, 'text') as (value: string) => unknown;
    const locked = wire.map((row) =>
      lockedMessageOf({
        ...row,
        created_at: parseTime(row.created_at),
        sent_at: row.sent_at === null ? null : parseTime(row.sent_at),
        delivered_at: row.delivered_at === null ? null : parseTime(row.delivered_at),
        failed_at: row.failed_at === null ? null : parseTime(row.failed_at),
        error_details: row.error_details === null ? null : (parseJson(row.error_details) as never),
        status_events: row.status_events === null ? null : parseJson(row.status_events),
      }),
    );
    const folded = foldStatusBatch(updates, locked);
    const statement = folded.writes.length > 0 ? writeBatchStatement(folded.writes, new Date()) : undefined;
    sink += (statement?.parameters[0] as string | undefined)?.length ?? 0;
    spent += process.hrtime.bigint() - started;
    if (updates.length !== batch.length) throw new Error('an event did not decode');
    for (const write of folded.writes) {
      const row = byId.get(write.id) as WireRow;
      const next = written(row, write);
      rows.set(row.provider_message_id, next);
      byId.set(row.id, next);
      writes += 1;
    }
  }
  if (sink === 0) throw new Error('nothing was built');
  return { microseconds: Number(spent) / 1000 / bodies.length, writes };
}

function main(): void {
  const channel = { id: randomUUID(), account_id: randomUUID() };
  const bodies = stormBodies(channel);
  console.log(`status worker CPU per status, in process: ${bodies.length.toLocaleString('en-US')} events in batches of ${BATCH}`);
  // The first pass warms the JIT up and is not counted.
  pass(bodies, channel);
  const figures: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const { microseconds, writes } = pass(bodies, channel);
    figures.push(microseconds);
    console.log(`  round ${round}: ${microseconds.toFixed(2)} µs per status (${writes.toLocaleString('en-US')} row writes)`);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  console.log(
    `median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} µs, best ${sorted[0].toFixed(2)} µs per status; Node ${process.version}`,
  );
}

main();

/**
 * What the status worker's two ways of applying a batch cost PostgreSQL and the worker per status, without RabbitMQ or
 * HTTP (issue #21): the storm's 60,000 updates in its jittered order, in batches of `--batch`, applied on one connection
 * to a freshly seeded database, with the backend's CPU read from /proc and the client's from process.cpuUsage().
 *
 * - `fold`: BEGIN, the lock statement, the fold, the write statement, COMMIT (the worker's own statement builders and
 *   fold, named statements, node-postgres directly).
 * - `one statement`: the one-statement path (lifecycle-batch.ts) as the applier runs it: each pass of the batch (a
 *   batch naming a message twice, about a fifth of this storm's batches of 45, has two or more) one statement outside a
 *   transaction block; a pass the statement hands back goes through BEGIN, lock, fold, write, COMMIT.
 *
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/status-sql.bench.ts \
 *     [--messages 20000] [--batch 45] [--rounds 3]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createDataSource } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra } from '@inbound/testing';
// The benchmark runs the status worker's own functions, so it reads them from the app's source; nothing depends on it in
// turn. The lint rule that keeps deployables apart is waived for these imports only.
/* eslint-disable @nx/enforce-module-boundaries */
// nx-ignore-next-line
import { applyLifecycleBatch, type LifecycleBatchRow } from '../../apps/status-worker/src/app/apply/lifecycle-batch';
// nx-ignore-next-line
import { lockFoldWrite } from '../../apps/status-worker/src/app/apply/status-batch.applier';
// nx-ignore-next-line
import type { SqlStatement } from '../../apps/status-worker/src/app/apply/status-batch.sql';
// nx-ignore-next-line
import type { StatusUpdate, StatusUpdateResult } from '../../apps/status-worker/src/app/apply/status-batch.types';
/* eslint-enable @nx/enforce-module-boundaries */
import { flag, median } from './bench-figures';
import { jitteredStormOrder, seedStorm, STORM_KINDS, stormEventTime, stormProblems, stormProviderMessageId } from './campaign-storm';

const MESSAGES = flag('messages', 20_000);
const BATCH = flag('batch', 45);
const ROUNDS = flag('rounds', 3);

type Variant = 'fold' | 'one statement';

/** The storm's updates as the worker decodes them, in the storm's order. */
function stormUpdates(channelId: string): StatusUpdate[] {
  const receivedAt = new Date().toISOString();
  return Array.from(jitteredStormOrder(MESSAGES), (call) => {
    const message = Math.floor(call / STORM_KINDS.length);
    const kind = STORM_KINDS[call % STORM_KINDS.length];
    return {
      event_id: randomUUID(),
      channel_id: channelId,
      channel_type: 'whatsapp',
      status: kind,
      timestamp: stormEventTime(kind).toISOString(),
      received_at: receivedAt,
      provider_message_id: stormProviderMessageId(message),
    };
  });
}

/** Lock, fold and write as the applier does, on node-postgres directly, in the caller's transaction. */
const statementNames = new Map<string, string>();

/** A statement run as the applier runs it: named (planned once per connection), with its own type parsers. */
async function execute<T>(client: Client, statement: SqlStatement): Promise<T[]> {
  let name = statementNames.get(statement.text);
  if (name === undefined) statementNames.set(statement.text, (name = `s${statementNames.size}`));
  const result = await client.query({ name, text: statement.text, values: statement.parameters, types: statement.types });
  return result.rows as T[];
}

async function fold(client: Client, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult[]> {
  return lockFoldWrite((statement) => execute(client, statement), updates);
}

let foldedBatches = 0;
let statementsRun = 0;

/** A fold pass as the applier runs it: BEGIN, lock, fold, write, COMMIT. */
async function foldInTransaction(client: Client, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult[]> {
  foldedBatches += 1;
  await client.query('BEGIN');
  const results = await fold(client, updates);
  await client.query('COMMIT');
  return results;
}

/** As the applier applies a batch: the one-statement path where it takes the batch (each statement its own transaction), else the fold. */
async function applyBatch(client: Client, updates: StatusUpdate[], variant: Variant): Promise<void> {
  const applied =
    variant === 'one statement'
      ? await applyLifecycleBatch(
          updates,
          (statement) => execute<LifecycleBatchRow>(client, statement),
          (rest) => foldInTransaction(client, rest),
        )
      : null;
  if (applied === null) await foldInTransaction(client, updates);
  else statementsRun += applied.statements - applied.handedBack;
}

/** utime + stime of a process, in µs. */
function processMicroseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function round(variant: Variant): Promise<{ backend: number; client: number; exact: boolean; folded: number; statements: number }> {
  const infra = await createIsolatedInfra('bench_status_sql');
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 1 });
  const client = new Client({ connectionString: infra.databaseUrl });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const { channelId } = await seedStorm(dataSource, { messages: MESSAGES, groups: 100 });
    await client.connect();
    const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const updates = stormUpdates(channelId);
    foldedBatches = 0;
    statementsRun = 0;
    const backendBefore = processMicroseconds(backendPid);
    const clientBefore = process.cpuUsage();
    for (let start = 0; start < updates.length; start += BATCH) {
      const batch = updates.slice(start, start + BATCH);
      await applyBatch(client, batch, variant);
    }
    const clientSpent = process.cpuUsage(clientBefore);
    const backend = (processMicroseconds(backendPid) - backendBefore) / updates.length;
    const problems = await stormProblems(dataSource, MESSAGES);
    return {
      backend,
      client: (clientSpent.user + clientSpent.system) / updates.length,
      exact: problems.length === 0,
      folded: foldedBatches,
      statements: statementsRun,
    };
  } finally {
    await client.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
}

async function main(): Promise<void> {
  console.log(
    `${(MESSAGES * 3).toLocaleString('en-US')} status updates in batches of ${BATCH}, one connection, ${ROUNDS} alternating rounds`,
  );
  const figures: Record<Variant, Array<{ backend: number; client: number }>> = { fold: [], 'one statement': [] };
  for (let i = 1; i <= ROUNDS; i++) {
    for (const variant of ['fold', 'one statement'] as const) {
      const result = await round(variant);
      figures[variant].push(result);
      console.log(
        `  round ${i} ${variant.padEnd(13)}: PostgreSQL ${result.backend.toFixed(1)} µs, client ${result.client.toFixed(1)} µs per status; ` +
          `${Math.ceil((MESSAGES * 3) / BATCH)} batches: ${result.statements} one-statement transactions, ${result.folded} through the fold; ` +
          `rows and counters exact: ${result.exact}`,
      );
    }
  }
  for (const variant of ['fold', 'one statement'] as const) {
    console.log(
      `${variant.padEnd(13)}: median PostgreSQL ${median(figures[variant].map((f) => f.backend)).toFixed(1)} µs, client ${median(figures[variant].map((f) => f.client)).toFixed(1)} µs per status`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

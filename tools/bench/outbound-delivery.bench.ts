/**
 * Outbound delivery benchmark: docs/BENCHMARKS.md, "2026-12-07: outbound delivery", and docs/OUTBOUND.md, "Benchmark".
 * Outbox rows are written at a steady rate, one committed INSERT each, spread over 100 accounts with one subscription
 * each; the built event dispatcher relays and delivers them to local receivers. Latency = the receiver's 2xx answer
 * minus the writer's commit of the row (one clock: both sides run in this process).
 *
 *   npx nx build event-dispatcher
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/outbound-delivery.bench.ts \
 *     [--rate 1000] [--seconds 60] [--hanging 0|1] [--subscriptions 100] [--origins 100]
 *
 * --hanging 1: the first subscription's endpoint answers after 30 s (every attempt times out at DELIVERY_TIMEOUT_MS);
 * the other subscriptions' figures are printed apart. --origins N: the subscriptions' URLs spread over N servers
 * (host:port), paths telling them apart; the default gives each subscription its own origin, as real subscribers
 * have. BENCH_DISPATCHER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to the dispatcher.
 */
import { createDataSource, CredentialsCipher } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT } from '@inbound/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { cpuSnapshot, procTimes } from './process-cpu';
import { describeLatencies, flag, metricSum, percentile } from './bench-figures';
import { relayRounds, writeOutboxOpenLoop } from './outbox-writer';

const RATE = flag('rate', 1_000);
const SECONDS = flag('seconds', 60);
const HANGING = flag('hanging', 0);
const SUBSCRIPTIONS = flag('subscriptions', 100);
const ORIGINS = Math.min(SUBSCRIPTIONS, flag('origins', SUBSCRIPTIONS));
const HANG_MS = 30_000;
/** How long the healthy subscriptions' last events may take after the writer stops. */
const DRAIN_LIMIT_MS = 120_000;
const DISPATCHER_NODE_ARGS = (process.env.BENCH_DISPATCHER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CREDENTIALS_KEY = randomBytes(32);

interface Subscription {
  index: number;
  id: string;
  accountId: string;
  secret: string;
  hanging: boolean;
}

interface WrittenEvent {
  subscription: number;
  scheduledAt: number;
  committedAt: number;
  answeredAt: number;
}

function latencies(events: Iterable<WrittenEvent>): Float64Array {
  const values: number[] = [];
  for (const event of events) if (event.answeredAt > 0) values.push(event.answeredAt - event.committedAt);
  return Float64Array.from(values).sort();
}

/** The receivers: ORIGINS servers, subscription i at `/hooks/<i>` of server i % ORIGINS. */
class Receivers {
  readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  readonly urls: string[] = [];
  answered = 0;
  duplicates = 0;
  /** Answers to events whose commit the writer had not yet seen, by event id. */
  readonly early = new Map<string, number>();
  badSignatures = 0;
  hangingCalls = 0;

  constructor(
    private readonly subscriptions: readonly Subscription[],
    private readonly events: Map<string, WrittenEvent>,
  ) {}

  async start(): Promise<void> {
    const ports: number[] = [];
    for (let i = 0; i < ORIGINS; i++) {
      const server = createServer((req, res) => {
        const index = Number((req.url ?? '').split('/')[2]);
        const subscription = this.subscriptions[index];
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          if (!subscription) {
            res.writeHead(404).end();
            return;
          }
          if (subscription.hanging) {
            this.hangingCalls += 1;
            const timer = setTimeout(() => res.writeHead(200).end('late'), HANG_MS);
            res.on('close', () => clearTimeout(timer));
            return;
          }
          const id = String(req.headers['webhook-id']);
          const event = this.events.get(id);
          // Every 50th call's signature is checked, so the figures are of real, signed deliveries.
          if (this.answered % 50 === 0 && !this.signatureValid(subscription, req.headers, Buffer.concat(chunks).toString('utf8'))) {
            this.badSignatures += 1;
          }
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          const now = performance.now();
          this.answered += 1;
          // On a starved machine this process may read the webhook before the writer's commit reply: kept for the writer.
          if (!event) this.early.set(id, now);
          else if (event.answeredAt > 0) this.duplicates += 1;
          else event.answeredAt = now;
        });
      });
      server.keepAliveTimeout = 5_000;
      server.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      ports.push((server.address() as AddressInfo).port);
    }
    for (const subscription of this.subscriptions)
      this.urls.push(`http://127.0.0.1:${ports[subscription.index % ORIGINS]}/hooks/${subscription.index}`);
  }

  private signatureValid(subscription: Subscription, headers: NodeJS.Dict<string | string[]>, body: string): boolean {
    const key = Buffer.from(subscription.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    return String(headers['webhook-signature'] ?? '')
      .split(' ')
      .includes(`v1,${expected}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Warnings and errors the dispatcher logged, by message; the first of each is passed on. */
const dispatcherWarnings = new Map<string, number>();

function startDispatcher(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...DISPATCHER_NODE_ARGS, join(WORKSPACE_ROOT, 'dist/apps/event-dispatcher/main.js')], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!/"level":(40|50|60)/.test(line)) return;
      const message = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 80);
      dispatcherWarnings.set(message, (dispatcherWarnings.get(message) ?? 0) + 1);
      if (dispatcherWarnings.get(message) === 1) process.stderr.write(`dispatcher: ${line.slice(0, 300)}\n`);
    });
  }
  return child;
}

/**
 * The database's view of each healthy first attempt, p50 / p99 of each stage: commit → relay round start
 * (`published_at`), → delivery recorded (confirms, commit, broker, consumer), → attempt start, → the attempt's duration.
 */
async function stagesOf(dataSource: DataSource, hangingIds: readonly string[]): Promise<string> {
  const [row] = await dataSource.query(
    `WITH s AS (
       SELECT extract(epoch FROM o.published_at - o.created_at) * 1000 AS relay_wait,
              extract(epoch FROM d.created_at - o.published_at) * 1000 AS to_recorded,
              extract(epoch FROM d.last_attempt_at - d.created_at) * 1000 AS to_attempt,
              d.duration_ms AS attempt
       FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id
       WHERE d.status = 'succeeded' AND d.attempts = 1 AND NOT (d.subscription_id = ANY($1::uuid[])))
     SELECT ${['relay_wait', 'to_recorded', 'to_attempt', 'attempt']
       .map(
         (column) =>
           `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}) AS ${column}_50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ${column}) AS ${column}_99`,
       )
       .join(', ')}
     FROM s`,
    [hangingIds],
  );
  const pair = (column: string) => `${Number(row[`${column}_50`]).toFixed(0)} / ${Number(row[`${column}_99`]).toFixed(0)} ms`;
  return `commit → relay round ${pair('relay_wait')}, → delivery recorded ${pair('to_recorded')}, → attempt start ${pair('to_attempt')}, attempt ${pair('attempt')}`;
}

async function main(): Promise<void> {
  if (!existsSync(join(WORKSPACE_ROOT, 'dist/apps/event-dispatcher/main.js')))
    throw new Error('build the dispatcher first: npx nx build event-dispatcher');
  const loadAtStart = loadavg();
  const infra = await createIsolatedInfra('bench_outbound');
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  const pool = new Pool({ connectionString: infra.databaseUrl, max: 8, application_name: 'outbound-bench-writer' });
  // A connection that drops while idle is the pool's to replace; without a listener its 'error' would end the run.
  pool.on('error', (error) => process.stderr.write(`writer pool: ${error.message}\n`));
  const events = new Map<string, WrittenEvent>();
  const cipher = new CredentialsCipher(CREDENTIALS_KEY);
  const subscriptions: Subscription[] = Array.from({ length: SUBSCRIPTIONS }, (_, index) => ({
    index,
    id: randomUUID(),
    accountId: randomUUID(),
    secret: `whsec_${randomBytes(24).toString('base64')}`,
    hanging: index < HANGING,
  }));
  const receivers = new Receivers(subscriptions, events);
  let dispatcher: ChildProcess | undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await receivers.start();
    // As the admin API stores them: the secret sealed with the subscription id.
    for (const subscription of subscriptions) {
      await dataSource.query(
        `INSERT INTO webhook_subscriptions (id, account_id, url, events, secret, enabled) VALUES ($1, $2, $3, $4, $5, true)`,
        [
          subscription.id,
          subscription.accountId,
          receivers.urls[subscription.index],
          ['*'],
          cipher.seal(subscription.id, { secret: subscription.secret }),
        ],
      );
    }

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    dispatcher = startDispatcher({
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      HEALTH_PORT: String(port),
      CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64'),
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
    });
    await waitFor(
      async () => {
        const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
        if (!ready?.ok) return false;
        const text = await (await fetch(metricsUrl)).text();
        return metricSum(text, 'outbox_relay_leader') === 1;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the dispatcher ready and leading the relay' },
    );
    const pid = dispatcher.pid as number;
    const cpuStart = procTimes(pid)?.own ?? Number.NaN;
    const machineStart = cpuSnapshot();
    const benchCpuStart = process.cpuUsage();
    const wallStart = performance.now();

    console.log(
      `writing ${RATE} outbox rows/s for ${SECONDS} s over ${SUBSCRIPTIONS} accounts (${ORIGINS} receiver origins${HANGING ? `, ${HANGING} hanging` : ''}) …`,
    );
    let answeredFirst = 0;
    const written = await writeOutboxOpenLoop(pool, {
      rate: RATE,
      seconds: SECONDS,
      accountOf: (n) => subscriptions[n % subscriptions.length].accountId,
      onCommitted: (n, id, scheduledAt, committedAt) => {
        // A receiver may answer before the writer sees its commit return.
        const answeredAt = receivers.early.get(id);
        if (answeredAt !== undefined) {
          receivers.early.delete(id);
          answeredFirst += 1;
        }
        events.set(id, {
          subscription: subscriptions[n % subscriptions.length].index,
          scheduledAt,
          committedAt,
          answeredAt: answeredAt ?? 0,
        });
      },
    });
    const writer = { ...written, answeredFirst };
    const healthy = () => [...events.values()].filter((event) => !subscriptions[event.subscription].hanging);
    const expected = healthy().length;
    let drained = true;
    await waitFor(async () => receivers.answered - receivers.duplicates >= expected, {
      timeoutMs: DRAIN_LIMIT_MS,
      intervalMs: 100,
      description: 'every healthy event delivered',
    }).catch(() => (drained = false));
    const drainSeconds = (performance.now() - wallStart) / 1000 - writer.seconds;
    const cpuEnd = procTimes(pid)?.own ?? Number.NaN;
    const machineEnd = cpuSnapshot();
    const benchCpu = process.cpuUsage(benchCpuStart);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const metricsText = await (await fetch(metricsUrl)).text();

    const exited = new Promise<number | string>((resolve) =>
      dispatcher?.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    dispatcher.kill('SIGTERM');
    const exitCode = await exited;
    dispatcher = undefined;

    const statuses = await dataSource.query<Array<{ status: string; n: number }>>(
      `SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status ORDER BY status`,
    );
    const [{ unpublished }] = await dataSource.query(`SELECT count(*)::int AS unpublished FROM outbox_events WHERE published_at IS NULL`);
    const stages = await stagesOf(
      dataSource,
      subscriptions.filter((subscription) => subscription.hanging).map((subscription) => subscription.id),
    );
    const relay = await relayRounds(pool);

    const all = latencies(healthy());
    const delivered = all.length;
    const perWindow: string[] = [];
    const windowMs = Math.max(1, Math.round(SECONDS / 6)) * 1000;
    const firstScheduled = Math.min(...[...events.values()].map((event) => event.scheduledAt));
    for (let from = 0; from < SECONDS * 1000; from += windowMs) {
      const slice = latencies(
        healthy().filter((event) => event.scheduledAt - firstScheduled >= from && event.scheduledAt - firstScheduled < from + windowMs),
      );
      perWindow.push(`${(from / 1000).toFixed(0)}–${((from + windowMs) / 1000).toFixed(0)} s: ${percentile(slice, 0.99).toFixed(0)}`);
    }
    const cpu = cpuEnd - cpuStart;
    const relayLag = metricSum(metricsText, 'outbox_publish_lag_seconds_sum') / metricSum(metricsText, 'outbox_publish_lag_seconds_count');
    const firstAttempt =
      metricSum(metricsText, 'webhook_delivery_first_attempt_latency_seconds_sum') /
      metricSum(metricsText, 'webhook_delivery_first_attempt_latency_seconds_count');
    const attempt =
      metricSum(metricsText, 'webhook_delivery_attempt_duration_seconds_sum') /
      metricSum(metricsText, 'webhook_delivery_attempt_duration_seconds_count');
    const batches = metricSum(metricsText, 'worker_batch_size_count');
    const lines = [
      '',
      `outbound delivery: ${RATE} events/s for ${SECONDS} s, ${SUBSCRIPTIONS} subscriptions (1 per account) on ${ORIGINS} origins, ` +
        `${HANGING} hanging ${HANG_MS / 1000} s, DELIVERY_TIMEOUT_MS default`,
      `  written               ${writer.written} rows in ${writer.seconds.toFixed(1)} s (${Math.round(writer.written / writer.seconds)}/s), ` +
        `${writer.failed} failed, commit behind schedule p99 ${writer.lagP99.toFixed(1)} ms`,
      `  delivered (2xx)       ${delivered} of ${expected}${HANGING ? ' healthy' : ''} events${drained ? '' : ' (NOT all: gave up waiting)'}, ` +
        `last ${drainSeconds.toFixed(1)} s after the writer stopped; duplicates ${receivers.duplicates}, answered before the writer read its commit ${writer.answeredFirst}, ` +
        `bad signatures ${receivers.badSignatures} (every 50th checked)`,
      `  commit → 2xx          ${describeLatencies(all)}${HANGING ? ' (healthy subscriptions)' : ''}`,
      ...(HANGING && ORIGINS < SUBSCRIPTIONS
        ? [
            `  sharing an origin     ${describeLatencies(latencies(healthy().filter((event) => event.subscription % ORIGINS < HANGING)))} ` +
              `(healthy subscriptions on a hanging one's server), others ${describeLatencies(latencies(healthy().filter((event) => event.subscription % ORIGINS >= HANGING)))}`,
          ]
        : []),
      `  p99 by window        ${perWindow.join(', ')} ms`,
      `  dispatcher CPU        ${cpu.toFixed(1)} s = ${Math.round((cpu * 1e6) / writer.written)} µs/event written ` +
        `(${((cpu / wallSeconds) * 100).toFixed(0)} % of a core over ${wallSeconds.toFixed(0)} s)`,
      `  dispatcher metrics    relay lag mean ${(relayLag * 1000).toFixed(0)} ms, first-attempt latency mean ${(firstAttempt * 1000).toFixed(0)} ms, ` +
        `attempt mean ${(attempt * 1000).toFixed(1)} ms, consumer batches ${batches} of mean ${(metricSum(metricsText, 'worker_batch_size_sum') / batches).toFixed(1)}`,
      `  where the time goes   ${stages} (healthy first attempts, database clock: transaction start times)`,
      `  relay rounds          ${relay}`,
      `  attempts              ${metricSum(metricsText, 'webhook_delivery_attempts_total', 'outcome="succeeded"')} succeeded, ` +
        `${metricSum(metricsText, 'webhook_delivery_attempts_total', 'error_class="timeout"')} timed out, ` +
        `${metricSum(metricsText, 'webhook_delivery_attempts_total') - metricSum(metricsText, 'webhook_delivery_attempts_total', 'outcome="succeeded"') - metricSum(metricsText, 'webhook_delivery_attempts_total', 'error_class="timeout"')} other` +
        (HANGING ? `; the hanging endpoint got ${receivers.hangingCalls} calls` : ''),
      `  deliveries at the end ${statuses.map((row) => `${row.status} ${row.n}`).join(', ')}; outbox rows unpublished ${unpublished}`,
      machineStart && machineEnd
        ? `  CPU over the run      PostgreSQL ${(machineEnd.postgres - machineStart.postgres).toFixed(1)} s, RabbitMQ ${(machineEnd.rabbitmq - machineStart.rabbitmq).toFixed(1)} s, ` +
          `this process (writer + receivers) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} s, ` +
          `whole machine ${(machineEnd.machineBusy - machineStart.machineBusy).toFixed(1)} s of ${(2 * wallSeconds).toFixed(1)} s (2 cores; other tenants included)`
        : '  CPU over the run      n/a',
      `  load average          ${loadAtStart.map((n) => n.toFixed(2)).join(' ')} at the start, ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} at the end (2 cores, shared)`,
      `  dispatcher warnings   ${dispatcherWarnings.size === 0 ? 'none' : [...dispatcherWarnings].map(([message, n]) => `${n} × ${message}`).join('; ')}`,
      `  exit on SIGTERM       ${String(exitCode)}`,
    ];
    console.log(lines.join('\n'));
    if (!drained || exitCode !== 0 || receivers.badSignatures > 0 || writer.failed > 0) process.exitCode = 1;
  } finally {
    if (dispatcher && dispatcher.exitCode === null) dispatcher.kill('SIGKILL');
    await receivers.close();
    await pool.end();
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

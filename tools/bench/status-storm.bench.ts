/**
 * The status storm from the outside (issue #21): signed WhatsApp status calls over HTTP, one status per
 * call, `--messages` × sent/delivered/read in a jittered order, until every row and counter is final.
 * The built gateway and status worker against a lean reference doing the same job on the same
 * PostgreSQL and RabbitMQ (tools/bench/lean-reference/), in alternating rounds, each on a fresh database
 * and virtual host. Prints one table; docs/BENCHMARKS.md keeps the history.
 *
 *   npx nx build webhook-gateway && npx nx build status-worker
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/status-storm.bench.ts \
 *     [--messages 20000] [--groups 100] [--rounds 3] [--connections 64] [--reference-outbox 1]
 *
 * `--reference-outbox 1` has the reference write the same outbox rows as the pipeline (reference-applier.ts), to
 * compare the two with that promise held equal; the figure is without it.
 *
 * BENCH_NODE_ARGS (space-separated, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to every measured
 * process's node, for profiling.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CredentialsCipher, createDataSource } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT, type IsolatedInfra } from '@inbound/testing';
import type { DataSource } from 'typeorm';
import { flag, median, metricSum } from './bench-figures';
import { seedStorm, STORM_KINDS, stormCounterProgress, stormOutboxProblems, stormProblems, stormStatusBodies } from './campaign-storm';
import { cpuSnapshot, procTimes } from './process-cpu';

const MESSAGES = flag('messages', 20_000);
const GROUPS = flag('groups', 100);
const ROUNDS = flag('rounds', 3);
const CONNECTIONS = flag('connections', 64);
const REFERENCE_OUTBOX = flag('reference-outbox', 0) === 1;
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const APP_SECRET = 'bench-app-secret';
const CALLS = MESSAGES * STORM_KINDS.length;

type Variant = 'pipeline' | 'reference';

interface RoundFigures {
  callsPerSecond: number;
  seconds: number;
  /** CPU µs per call: the HTTP process, the status process, PostgreSQL, RabbitMQ. */
  cpu: { http: number; status: number; postgres: number; rabbitmq: number };
  p50: number;
  p99: number;
  /** Status events per committed transaction, on average. */
  batchSize: number;
  non2xx: number;
  exact: boolean;
  problems: string[];
}

interface SignedCall {
  body: string;
  signature: string;
}

/** One call per status, in the storm's jittered order, signed as Meta signs (X-Hub-Signature-256). */
function signedCalls(): SignedCall[] {
  return stormStatusBodies(MESSAGES).map((body) => ({
    body,
    signature: `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
  }));
}

interface Running {
  http: ChildProcess;
  status: ChildProcess;
  url: string;
  /** Transactions the status process has committed so far. */
  batches(): Promise<number>;
}

function startProcess(label: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Warnings and errors are passed on: a storm of them would show in the figures anyway.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (/"level":(40|50|60)/.test(line)) process.stderr.write(`${label}: ${line.slice(0, 300)}\n`);
  });
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 15_000))]);
  if (!stopped) child.kill('SIGKILL');
}

async function startPipeline(infra: IsolatedInfra, channelId: string, credentialsKey: Buffer): Promise<Running> {
  const port = await freePort();
  const healthPort = await freePort();
  const common = { DATABASE_URL: infra.databaseUrl, RABBITMQ_URL: infra.rabbitmqUrl, NODE_ENV: 'production' };
  // The worker first: it declares the status queue the gateway's mandatory publishes need.
  const status = startProcess('status-worker', [join(WORKSPACE_ROOT, 'dist/apps/status-worker/main.js')], {
    ...common,
    HEALTH_PORT: String(healthPort),
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${healthPort}/health/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 60_000,
    description: 'the status worker to be ready',
  });
  const http = startProcess('gateway', [join(WORKSPACE_ROOT, 'dist/apps/webhook-gateway/main.js')], {
    ...common,
    PORT: String(port),
    CREDENTIALS_KEY: credentialsKey.toString('base64'),
    REALTIME_TOKEN_SECRET: randomBytes(32).toString('base64url'),
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 60_000,
    description: 'the gateway to be ready',
  });
  // Transactions: one per statement of the one-statement path, one per pass through lock, fold and write.
  const batches = async () =>
    metricSum(await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(), 'worker_status_batches_total');
  return { http, status, url: `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`, batches };
}

function waitForReadyLine(child: ChildProcess, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => line === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before it was ready`)));
  });
}

async function startReference(infra: IsolatedInfra, channelId: string): Promise<Running> {
  const port = await freePort();
  const tsNode = ['-r', 'ts-node/register/transpile-only'];
  const env = { RABBITMQ_URL: infra.rabbitmqUrl, TS_NODE_PROJECT: join(WORKSPACE_ROOT, 'tools/tsconfig.tools.json') };
  const http = startProcess('reference receiver', [...tsNode, join(WORKSPACE_ROOT, 'tools/bench/lean-reference/reference-receiver.ts')], {
    ...env,
    PORT: String(port),
    APP_SECRET,
  });
  await waitForReadyLine(http, 'the reference receiver');
  const status = startProcess('reference applier', [...tsNode, join(WORKSPACE_ROOT, 'tools/bench/lean-reference/reference-applier.ts')], {
    ...env,
    DATABASE_URL: infra.databaseUrl,
    CHANNEL_ID: channelId,
    REFERENCE_OUTBOX: REFERENCE_OUTBOX ? '1' : '0',
  });
  let applied = 0;
  createInterface({ input: status.stdout! }).on('line', (line) => {
    const match = /^batches (\d+)$/.exec(line);
    if (match) applied = Number(match[1]);
  });
  await waitForReadyLine(status, 'the reference applier');
  // The applier prints its running count of commits; the last line seen is the count.
  return { http, status, url: `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`, batches: async () => applied };
}

/** Every row and counter final: both counters moved for every message, and every row has its sent time. */
async function stormFinal(dataSource: DataSource): Promise<boolean> {
  if ((await stormCounterProgress(dataSource)) < 2 * MESSAGES) return false;
  const [row] = await dataSource.query(`SELECT count(*)::int AS unsent FROM messages WHERE sent_at IS NULL`);
  return row.unsent === 0;
}

async function runRound(variant: Variant, calls: SignedCall[]): Promise<RoundFigures> {
  const infra = await createIsolatedInfra(`bench_storm_${variant}`);
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  let running: Running | undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const channelId = randomUUID();
    const credentialsKey = randomBytes(32);
    await seedStorm(dataSource, {
      messages: MESSAGES,
      groups: GROUPS,
      channelId,
      credentials: new CredentialsCipher(credentialsKey).seal(channelId, { app_secret: APP_SECRET }),
    });
    running = variant === 'pipeline' ? await startPipeline(infra, channelId, credentialsKey) : await startReference(infra, channelId);
    const own = (child: ChildProcess) => procTimes(child.pid!)?.own ?? Number.NaN;
    const before = { http: own(running.http), status: own(running.status), machine: cpuSnapshot() };
    const started = Date.now();
    let next = 0;
    let lastAnswerAt = started;
    const url = running.url;
    const run = new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections: CONNECTIONS,
          amount: CALLS,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              setupRequest: (request) => {
                const call = calls[next++ % calls.length];
                return {
                  ...request,
                  body: call.body,
                  headers: { 'content-type': 'application/json', 'x-hub-signature-256': call.signature },
                };
              },
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('response', () => (lastAnswerAt = Date.now()));
    });
    // Polled from the start: autocannon settles only on its one-second tick, which would round every round up to a
    // whole second (a tenth of a 10 s round).
    let finalAt = started;
    const final = waitFor(() => stormFinal(dataSource), {
      timeoutMs: 30 * 60_000,
      intervalMs: 25,
      description: 'every row and counter final',
    }).then(() => (finalAt = Date.now()));
    const [load] = await Promise.all([run, final]);
    const seconds = (Math.max(lastAnswerAt, finalAt) - started) / 1000;
    const after = { http: own(running.http), status: own(running.status), machine: cpuSnapshot() };
    const batches = await running.batches();
    const perCall = (cpuSeconds: number) => (cpuSeconds * 1e6) / CALLS;
    const problems = await stormProblems(dataSource, MESSAGES);
    if (variant === 'pipeline' || REFERENCE_OUTBOX) problems.push(...(await stormOutboxProblems(dataSource, MESSAGES, GROUPS)));
    return {
      callsPerSecond: CALLS / seconds,
      seconds,
      cpu: {
        http: perCall(after.http - before.http),
        status: perCall(after.status - before.status),
        postgres: before.machine && after.machine ? perCall(after.machine.postgres - before.machine.postgres) : Number.NaN,
        rabbitmq: before.machine && after.machine ? perCall(after.machine.rabbitmq - before.machine.rabbitmq) : Number.NaN,
      },
      p50: load.latency.p50,
      p99: load.latency.p99,
      batchSize: CALLS / batches,
      non2xx: load.non2xx + load.errors,
      exact: problems.length === 0,
      problems,
    };
  } finally {
    await stopProcess(running?.http);
    await stopProcess(running?.status);
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
}
const list = (values: number[], digits = 1) =>
  values.map((value) => value.toLocaleString('en-US', { maximumFractionDigits: digits })).join(' / ');

function table(rounds: Array<Record<Variant, RoundFigures>>): string {
  const of = (variant: Variant, pick: (figures: RoundFigures) => number) => rounds.map((round) => pick(round[variant]));
  const row = (label: string, pick: (figures: RoundFigures) => number, unit = '') =>
    `| ${label} | ${list(of('pipeline', pick))}${unit} | ${list(of('reference', pick))}${unit} | ${(median(of('pipeline', pick)) / median(of('reference', pick))).toFixed(2)} |`;
  const ratios = rounds.map((round) => round.pipeline.callsPerSecond / round.reference.callsPerSecond);
  // The rounds are pairs run back to back: the ratio within each pair, then their median, is the figure to read.
  return [
    `| ${MESSAGES.toLocaleString('en-US')} messages × 3 statuses, ${CONNECTIONS} connections, ${rounds.length} alternating rounds | pipeline | lean reference${REFERENCE_OUTBOX ? ', with the outbox' : ''} | median ratio |`,
    '|---|---|---|---|',
    `| calls/s, HTTP to every row and counter final | ${list(of('pipeline', (figures) => figures.callsPerSecond))} | ${list(of('reference', (figures) => figures.callsPerSecond))} | |`,
    `| ratio per round (median of the rounds' ratios) | ${list(ratios, 2)} | 1 | **${median(ratios).toFixed(2)}** |`,
    row('seconds', (figures) => Number(figures.seconds.toFixed(1))),
    row('CPU per call, HTTP process (gateway / receiver)', (figures) => figures.cpu.http, ' µs'),
    row('CPU per call, status process (worker / applier)', (figures) => figures.cpu.status, ' µs'),
    row('CPU per call, PostgreSQL', (figures) => figures.cpu.postgres, ' µs'),
    row('CPU per call, RabbitMQ', (figures) => figures.cpu.rabbitmq, ' µs'),
    row('HTTP latency p50', (figures) => figures.p50, ' ms'),
    row('HTTP latency p99', (figures) => figures.p99, ' ms'),
    row('statuses per transaction, mean', (figures) => figures.batchSize),
    `| non-2xx answers and errors | ${list(of('pipeline', (figures) => figures.non2xx))} | ${list(of('reference', (figures) => figures.non2xx))} | |`,
    `| rows, counters${REFERENCE_OUTBOX ? ' and outbox' : " (and the pipeline's outbox)"} exact | ${rounds.map((round) => (round.pipeline.exact ? 'yes' : 'NO')).join(' / ')} | ${rounds.map((round) => (round.reference.exact ? 'yes' : 'NO')).join(' / ')} | |`,
  ].join('\n');
}

async function main(): Promise<void> {
  for (const app of ['webhook-gateway', 'status-worker']) {
    if (!existsSync(join(WORKSPACE_ROOT, `dist/apps/${app}/main.js`))) throw new Error(`build it first: npx nx build ${app}`);
  }
  console.log(`preparing ${CALLS.toLocaleString('en-US')} signed calls …`);
  const calls = signedCalls();
  const rounds: Array<Record<Variant, RoundFigures>> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating, so a noisy neighbour on this shared machine hits both alike.
    const reference = await runRound('reference', calls);
    console.log(`round ${round} reference: ${Math.round(reference.callsPerSecond)} calls/s, exact ${reference.exact}`);
    const pipeline = await runRound('pipeline', calls);
    console.log(`round ${round} pipeline:  ${Math.round(pipeline.callsPerSecond)} calls/s, exact ${pipeline.exact}`);
    rounds.push({ pipeline, reference });
  }
  console.log(`\n${table(rounds)}\n`);
  console.log(
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} (2 cores, shared); Node ${process.version}`,
  );
  const problems = rounds.flatMap((round) => [...round.pipeline.problems, ...round.reference.problems]);
  if (problems.length > 0) {
    console.log(`NOT EXACT:\n  ${problems.slice(0, 10).join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

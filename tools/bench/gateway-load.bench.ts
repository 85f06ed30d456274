/**
 * Gateway load benchmark: the built gateway against a bare Fastify reference doing the same
 * HMAC check and confirmed publish. Method and figures: docs/BENCHMARKS.md, "Gateway: signed
 * WhatsApp status calls at 50 connections".
 *
 *   npx nx build webhook-gateway
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/gateway-load.bench.ts
 *
 * BENCH_SECONDS (default 10) sets each run's length, BENCH_ROUNDS (default 3) the rounds.
 * BENCH_PHASES=fixed runs only the fixed-rate rounds; BENCH_NODE_ARGS (space-separated, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to both servers' node, for profiling.
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT } from '@inbound/testing';
import { CredentialsCipher, createDataSource, Channel } from '@inbound/domain';
import { STATUS_QUEUE } from '@inbound/contracts';
import { declareTopology } from '@inbound/messaging';
import { pacedLoad, type PacedCall } from './paced-load';
import { procTimes } from './process-cpu';
import { connect, type ChannelModel } from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { median } from './bench-figures';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const APP_SECRET = 'bench-app-secret';
const SERVER_CORE = '1';
const LOAD_CORE = '0';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FIXED_RATE = 3_000;
const PHASES = process.env.BENCH_PHASES ?? 'all';
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;

function pinned(command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', SERVER_CORE, command, ...args]] : [command, args];
}

/** Keeps this process (the load generator) off the servers' core. */
function pinSelf(): void {
  if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
}

function startServer(args: string[], env: Record<string, string>): ChildProcess {
  const [command, fullArgs] = pinned(process.execPath, [...NODE_ARGS, ...args]);
  const child = spawn(command, fullArgs, { cwd: WORKSPACE_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', () => undefined);
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface SignedBody {
  body: string;
  signature: string;
}

function cycle(bodies: SignedBody[]): () => PacedCall {
  let next = 0;
  return () => {
    const { body, signature } = bodies[next++ % bodies.length];
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
  };
}

/** 2,000 distinct signed status calls, cycled through by the load generator. */
function signedBodies(): SignedBody[] {
  const template = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'libs/adapters/src/whatsapp/fixtures/status-delivered.json'), 'utf8'));
  return Array.from({ length: 2_000 }, (_, i) => {
    template.entry[0].changes[0].value.statuses[0].id = `wamid.BENCH${i.toString().padStart(6, '0')}`;
    const body = JSON.stringify(template);
    return { body, signature: `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}` };
  });
}

interface Figures {
  rps: number;
  /** The server process's CPU (user + system) per answered call, in µs; NaN where /proc is missing. */
  cpuPerCallUs?: number;
  accepted: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * Every answered call must have left its event in the bound quorum queue: the figures count
 * only if the queue holds at least as many messages as calls answered 2xx. Purges after.
 */
async function checkedAndPurged(broker: ChannelModel, figures: Figures): Promise<Figures> {
  const channel = await broker.createChannel();
  const { messageCount } = await channel.checkQueue(STATUS_QUEUE);
  if (messageCount < figures.accepted) throw new Error(`only ${messageCount} events queued for ${figures.accepted} accepted calls`);
  await channel.purgeQueue(STATUS_QUEUE);
  await channel.close();
  return figures;
}

/** Closed loop: 50 connections, each sending its next call as soon as the last is answered. */
async function saturate(url: string, bodies: SignedBody[]): Promise<Figures> {
  const nextCall = cycle(bodies);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, ...nextCall() }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    accepted: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Runs a load against one server and adds that server's CPU per answered call. */
async function measured(server: ChildProcess, load: () => Promise<Figures>): Promise<Figures> {
  const before = procTimes(server.pid as number)?.own ?? NaN;
  const figures = await load();
  const after = procTimes(server.pid as number)?.own ?? NaN;
  return { ...figures, cpuPerCallUs: ((after - before) / Math.max(1, figures.accepted)) * 1e6 };
}

/** Open loop at a fixed offered rate, over the same 50 connections. */
async function paced(url: string, bodies: SignedBody[], rate: number): Promise<Figures> {
  return pacedLoad({ url, rate, seconds: SECONDS, connections: CONNECTIONS, nextCall: cycle(bodies) });
}

async function main(): Promise<void> {
  const gatewayMain = join(WORKSPACE_ROOT, 'dist/apps/webhook-gateway/main.js');
  if (!existsSync(gatewayMain)) throw new Error('build the gateway first: npx nx build webhook-gateway');
  pinSelf();
  const infra = await createIsolatedInfra('bench_gateway');
  const key = randomBytes(32);
  const channelId = randomUUID();
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.getRepository(Channel).save({
    id: channelId,
    account_id: randomUUID(),
    channel_type: 'whatsapp',
    name: 'bench',
    credentials: new CredentialsCipher(key).seal(channelId, { app_secret: APP_SECRET }),
    is_active: true,
  });
  await dataSource.destroy();

  // Queues bound as in production, so every publish is written to a quorum queue.
  const broker = await connect(infra.rabbitmqUrl);
  const setup = await broker.createChannel();
  await declareTopology(setup, [1_000]);
  await setup.close();

  const bodies = signedBodies();
  const rounds: Array<{ reference: Figures; gateway: Figures }> = [];
  const fixedRounds: Array<{ reference: Figures; gateway: Figures }> = [];
  const refPort = await freePort();
  const port = await freePort();
  const refUrl = `http://127.0.0.1:${refPort}/webhooks/whatsapp/${channelId}`;
  const url = `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`;
  const reference = startServer(['-r', 'ts-node/register/transpile-only', join(WORKSPACE_ROOT, 'tools/bench/reference-server.ts')], {
    PORT: String(refPort),
    RABBITMQ_URL: infra.rabbitmqUrl,
    APP_SECRET,
    TS_NODE_PROJECT: join(WORKSPACE_ROOT, 'tools/tsconfig.tools.json'),
  });
  const gateway = startServer([gatewayMain], {
    PORT: String(port),
    DATABASE_URL: infra.databaseUrl,
    RABBITMQ_URL: infra.rabbitmqUrl,
    CREDENTIALS_KEY: key.toString('base64'),
    // Required in production since the realtime stream; the benchmark opens no socket.
    REALTIME_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
  });
  try {
    await waitFor(async () => (await fetch(refUrl, { method: 'POST', body: '{}' })).status === 401, { timeoutMs: 30_000 });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok, { timeoutMs: 30_000 });
    await checkedAndPurged(broker, await saturate(refUrl, bodies)); // warm-up
    await checkedAndPurged(broker, await saturate(url, bodies)); // warm-up
    // Alternating rounds, so a noisy neighbour on this shared machine hits both alike.
    for (let round = 0; PHASES === 'all' && round < ROUNDS; round++) {
      const referenceFigures = await checkedAndPurged(broker, await measured(reference, () => saturate(refUrl, bodies)));
      const gatewayFigures = await checkedAndPurged(broker, await measured(gateway, () => saturate(url, bodies)));
      rounds.push({ reference: referenceFigures, gateway: gatewayFigures });
    }
    // The open-loop client warms up too, so its own first-run slowness is not charged to a server.
    await checkedAndPurged(broker, await paced(refUrl, bodies, FIXED_RATE));
    await checkedAndPurged(broker, await paced(url, bodies, FIXED_RATE));
    for (let round = 0; round < ROUNDS; round++) {
      const referenceFigures = await checkedAndPurged(broker, await measured(reference, () => paced(refUrl, bodies, FIXED_RATE)));
      const gatewayFigures = await checkedAndPurged(broker, await measured(gateway, () => paced(url, bodies, FIXED_RATE)));
      fixedRounds.push({ reference: referenceFigures, gateway: gatewayFigures });
    }
  } finally {
    await stopServer(reference);
    await stopServer(gateway);
    await broker.close();
    await dropIsolatedInfra(infra);
  }

  const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1)).padStart(5);
  const line = (name: string, f: Figures) =>
    `${name.padEnd(44)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${ms(f.p50)} ms   p99 ${ms(f.p99)} ms   CPU ${ms(f.cpuPerCallUs ?? NaN)} µs/call   non-2xx ${f.non2xx}   errors ${f.errors}`;
  process.stdout.write(
    `\ngateway load benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} alternating rounds, servers pinned to core ${SERVER_CORE}, load generator to core ${LOAD_CORE}\n`,
  );
  rounds.forEach((round, i) => {
    process.stdout.write(`${line(`round ${i + 1} reference (Fastify+HMAC+publish)`, round.reference)}\n`);
    process.stdout.write(`${line(`round ${i + 1} webhook-gateway`, round.gateway)}\n`);
  });
  fixedRounds.forEach((round, i) => {
    process.stdout.write(`${line(`round ${i + 1} reference at ${FIXED_RATE} calls/s`, round.reference)}\n`);
    process.stdout.write(`${line(`round ${i + 1} webhook-gateway at ${FIXED_RATE} calls/s`, round.gateway)}\n`);
  });
  if (rounds.length > 0) {
    const referenceRps = median(rounds.map((r) => r.reference.rps));
    const gatewayRps = median(rounds.map((r) => r.gateway.rps));
    process.stdout.write(
      `median throughput: reference ${referenceRps.toFixed(0)} req/s, gateway ${gatewayRps.toFixed(0)} req/s, ratio ${((gatewayRps / referenceRps) * 100).toFixed(1)} %\n`,
    );
  }
  const cpu = (pick: (round: { reference: Figures; gateway: Figures }) => Figures) =>
    median(fixedRounds.map((round) => pick(round).cpuPerCallUs ?? NaN)).toFixed(1);
  process.stdout.write(
    `median CPU per call at ${FIXED_RATE} calls/s: reference ${cpu((r) => r.reference)} µs, gateway ${cpu((r) => r.gateway)} µs\n`,
  );
  process.stdout.write(
    `median p99 at ${FIXED_RATE} calls/s: reference ${median(fixedRounds.map((r) => r.reference.p99)).toFixed(1)} ms, gateway ${median(fixedRounds.map((r) => r.gateway.p99)).toFixed(1)} ms\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

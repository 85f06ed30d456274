/**
 * Realtime stream benchmark: docs/BENCHMARKS.md, "2026-12-07: realtime stream", and docs/REALTIME.md, "Benchmark".
 * Two built gateway replicas (one REALTIME_TOKEN_SECRET) and the built event dispatcher (the relay) on an isolated
 * database and vhost. WebSocket clients spread over the replicas and over the accounts mint a token, say hello (from
 * now, no last_seq) and wait for `ready`; a warm-up event per account proves every socket is fed. Then outbox rows are
 * written at a steady rate, one committed INSERT each, spread over the accounts. Latency = a client's receipt of the
 * event minus the writer's commit of the row (one clock: both sides run in this process).
 *
 *   npx nx build webhook-gateway && npx nx build event-dispatcher
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/realtime.bench.ts \
 *     [--rate 1000] [--seconds 60] [--clients 100] [--accounts 20] [--slow 0|1]
 *
 * --slow 1: client 0 pauses its socket (stops reading) when the writing starts. When its replica counts a close (4408,
 * or 1006 when the heartbeat cut it), or at the end, it reads again, to see what reached it and how it was closed; its
 * events are left out of the others' figures.
 * BENCH_GATEWAY_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to both gateways.
 */
import { createDataSource } from '@inbound/domain';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT } from '@inbound/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { WebSocket } from 'ws';
import { cpuSnapshot, procTimes } from './process-cpu';
import { describeLatencies, flag, metricSum, percentile } from './bench-figures';
import { deliveredEnvelope, insertOutboxRow, relayRounds, writeOutboxOpenLoop } from './outbox-writer';

const RATE = flag('rate', 1_000);
const SECONDS = flag('seconds', 60);
const CLIENTS = Math.max(1, flag('clients', 100));
const ACCOUNTS = Math.max(1, Math.min(CLIENTS, flag('accounts', 20)));
const SLOW = Math.min(1, flag('slow', 0));
const REPLICAS = 2;
/** How long the clients' last events may take after the writer stops. */
const DRAIN_LIMIT_MS = 60_000;
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const SHARED = {
  NODE_ENV: 'test',
  CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  ADMIN_API_TOKEN: ADMIN_TOKEN,
  REALTIME_TOKEN_SECRET: randomBytes(32).toString('base64url'),
};
/** performance.now() → Unix ms, to compare with PostgreSQL's timestamps (same machine, same clock). */
const toEpoch = (at: number) => performance.timeOrigin + at;

interface WrittenEvent {
  account: number;
  scheduledAt: number;
  committedAt: number;
}

/** One WebSocket client: its account, replica and what it received, by event id (performance.now()). */
interface Client {
  index: number;
  account: number;
  replica: number;
  slow: boolean;
  socket: WebSocket;
  received: Map<string, number>;
  duplicates: number;
  foreign: number;
  frames: number;
  bytes: number;
  closeCode?: number;
  closedAt?: number;
}

/** The kernel's queues of one loopback TCP connection, both ends (`ss`): bytes not yet read by the client, not yet acknowledged. */
function kernelQueues(localPort: number | undefined): { clientRecvQ: number; serverSendQ: number } | undefined {
  if (!localPort) return undefined;
  const out = spawnSync('ss', ['-tnH', `( sport = :${localPort} or dport = :${localPort} )`], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  let clientRecvQ = 0;
  let serverSendQ = 0;
  for (const line of out.stdout.trim().split('\n')) {
    const [, recvQ, sendQ, local] = line.trim().split(/\s+/);
    if (local?.endsWith(`:${localPort}`)) clientRecvQ = Number(recvQ);
    else serverSendQ = Number(sendQ);
  }
  return { clientRecvQ, serverSendQ };
}

/** Warnings and errors an app logged, by app and message; the first of each is passed on. */
const warnings = new Map<string, number>();

function startApp(name: string, app: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, join(WORKSPACE_ROOT, `dist/apps/${app}/main.js`)], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!/"level":(40|50|60)/.test(line)) return;
      const key = `${name}: ${/"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 80)}`;
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
      if (warnings.get(key) === 1) process.stderr.write(`${name}: ${line.slice(0, 300)}\n`);
    });
  }
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<number | string> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? child?.signalCode ?? 'not started';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Mints a token on the client's replica, opens the socket, says hello and resolves on `ready`. */
async function connectClient(client: Omit<Client, 'socket'>, origin: string, accountId: string): Promise<Client> {
  const response = await fetch(`${origin}/realtime/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: accountId, ttl_seconds: 3_600 }),
  });
  if (response.status !== 201) throw new Error(`POST /realtime/tokens answered ${response.status}: ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/realtime`);
  const full: Client = { ...client, socket };
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token })));
    socket.once('error', reject);
    socket.on('close', (code) => {
      full.closeCode = code;
      full.closedAt = performance.now();
      reject(new Error(`client ${client.index} closed with ${code} before ready`));
    });
    socket.on('message', (data: Buffer) => {
      const now = performance.now();
      full.frames += 1;
      full.bytes += data.length;
      const frame = JSON.parse(data.toString('utf8')) as { type: string; event?: { id: string; account_id: string } };
      if (frame.type === 'ready') resolve();
      if (frame.type !== 'event' || !frame.event) return;
      if (frame.event.account_id !== accountId) full.foreign += 1;
      if (full.received.has(frame.event.id)) full.duplicates += 1;
      else full.received.set(frame.event.id, now);
    });
  });
  return full;
}

async function main(): Promise<void> {
  for (const app of ['webhook-gateway', 'event-dispatcher'])
    if (!existsSync(join(WORKSPACE_ROOT, `dist/apps/${app}/main.js`))) throw new Error(`build it first: npx nx build ${app}`);
  const loadAtStart = loadavg();
  const infra = await createIsolatedInfra('bench_realtime');
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  const pool = new Pool({ connectionString: infra.databaseUrl, max: 8, application_name: 'realtime-bench-writer' });
  // A connection that drops while idle is the pool's to replace; without a listener its 'error' would end the run.
  pool.on('error', (error) => process.stderr.write(`writer pool: ${error.message}\n`));
  const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
  const events = new Map<string, WrittenEvent>();
  const gateways: ChildProcess[] = [];
  const origins: string[] = [];
  let dispatcher: ChildProcess | undefined;
  let clients: Client[] = [];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();

    const env = { ...SHARED, DATABASE_URL: infra.databaseUrl, RABBITMQ_URL: infra.rabbitmqUrl };
    for (let replica = 0; replica < REPLICAS; replica++) {
      const port = await freePort();
      origins.push(`http://127.0.0.1:${port}`);
      gateways.push(startApp(`gateway ${replica}`, 'webhook-gateway', { ...env, PORT: String(port) }, GATEWAY_NODE_ARGS));
    }
    const dispatcherPort = await freePort();
    const dispatcherOrigin = `http://127.0.0.1:${dispatcherPort}`;
    dispatcher = startApp('dispatcher', 'event-dispatcher', { ...env, HEALTH_PORT: String(dispatcherPort) });
    for (const origin of origins)
      await waitFor(async () => (await fetch(`${origin}/health/ready`).catch(() => undefined))?.ok === true, {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: `${origin} ready`,
      });
    await waitFor(
      async () => {
        const ready = await fetch(`${dispatcherOrigin}/health/ready`).catch(() => undefined);
        return ready?.ok === true && metricSum(await (await fetch(`${dispatcherOrigin}/metrics`)).text(), 'outbox_relay_leader') === 1;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the dispatcher ready and leading the relay' },
    );

    // Client i: account i % ACCOUNTS, replica (account + ⌊i / ACCOUNTS⌋) % 2: each account has clients on both replicas,
    // and the replicas have half the clients each.
    clients = await Promise.all(
      Array.from({ length: CLIENTS }, (_, index) => {
        const account = index % ACCOUNTS;
        const replica = (account + Math.floor(index / ACCOUNTS)) % REPLICAS;
        return connectClient(
          { index, account, replica, slow: index < SLOW, received: new Map(), duplicates: 0, foreign: 0, frames: 0, bytes: 0 },
          origins[replica],
          accountIds[account],
        );
      }),
    );
    for (const client of clients) {
      client.socket.removeAllListeners('close');
      client.socket.on('close', (code) => {
        client.closeCode = code;
        client.closedAt = performance.now();
      });
    }

    // Warm-up: one event per account, until every socket got its own (both replicas' feeds are bound and consuming).
    const warmUp = accountIds.map((accountId, account) => deliveredEnvelope(accountId, account, randomUUID()));
    for (const [account, envelope] of warmUp.entries()) await insertOutboxRow(pool, accountIds[account], envelope);
    await waitFor(async () => clients.every((client) => client.received.has(warmUp[client.account].id)), {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: 'every client fed its warm-up event',
    });
    for (const client of clients) {
      client.received.clear();
      client.frames = 0;
      client.bytes = 0;
    }

    const pids = gateways.map((gateway) => gateway.pid as number);
    const dispatcherPid = dispatcher.pid as number;
    const cpuStart = [...pids, dispatcherPid].map((pid) => procTimes(pid)?.own ?? Number.NaN);
    // Each gateway's CPU and feed events, every window of wall time from the start of the writing to the end of the drain.
    const feedEventsOf = async (origin: string) => metricSum(await (await fetch(`${origin}/metrics`)).text(), 'realtime_feed_events_total');
    const sampleGateways = async () => {
      const feed = await Promise.all(origins.map((origin) => feedEventsOf(origin).catch(() => Number.NaN)));
      return pids.map((pid, replica) => ({ cpu: procTimes(pid)?.own ?? Number.NaN, feed: feed[replica] }));
    };
    const windowSamples = [await sampleGateways()];
    const machineStart = cpuSnapshot();
    const benchCpuStart = process.cpuUsage();
    const wallStart = performance.now();

    const slow = clients.find((client) => client.slow);
    let slowPausedAt = Number.NaN;
    let slowResumedAt = Number.NaN;
    let slowBufferedAtClose = Number.NaN;
    let slowQueues: ReturnType<typeof kernelQueues>;
    let slowServerClose: { at: number; codes: string } | undefined;
    const slowPort = (slow?.socket as unknown as { _socket?: { localPort?: number } } | undefined)?._socket?.localPort;
    const resumeSlow = () => {
      if (!slow || !Number.isNaN(slowResumedAt)) return;
      slowQueues = kernelQueues(slowPort);
      slowBufferedAtClose = slow.bytes;
      slowResumedAt = performance.now();
      slow.socket.resume();
    };
    const watchSlow = async () => {
      if (!slow || !Number.isNaN(slowResumedAt)) return;
      const text = await (await fetch(`${origins[slow.replica]}/metrics`)).text();
      // Only the slow socket closes during a run: whatever its code (4408, or 1006 when the heartbeat cut it), it reads again.
      if (metricSum(text, 'realtime_closes_total') > 0) {
        slowServerClose = {
          at: performance.now(),
          codes: text
            .split('\n')
            .filter((line) => line.startsWith('realtime_closes_total{'))
            .join(', '),
        };
        resumeSlow();
      }
    };
    if (slow) {
      slowPausedAt = performance.now();
      slow.socket.pause();
    }
    const windowSeconds = Math.max(1, Math.round(SECONDS / 6));
    let sampling = true;
    const sampler = setInterval(() => void sampleGateways().then((sample) => sampling && windowSamples.push(sample)), windowSeconds * 1000);
    console.log(
      `writing ${RATE} outbox rows/s for ${SECONDS} s over ${ACCOUNTS} accounts; ${CLIENTS} clients on ${REPLICAS} gateways` +
        `${slow ? `, client 0 (account 0, gateway 0) not reading` : ''} …`,
    );
    // Round-robin over the accounts.
    const writer = await writeOutboxOpenLoop(pool, {
      rate: RATE,
      seconds: SECONDS,
      accountOf: (n) => accountIds[n % accountIds.length],
      onCommitted: (n, id, scheduledAt, committedAt) => events.set(id, { account: n % accountIds.length, scheduledAt, committedAt }),
      onSecond: () => void watchSlow().catch(() => undefined),
    });
    const written = writer.written;
    const healthy = clients.filter((client) => !client.slow);
    const perAccount = new Array<number>(ACCOUNTS).fill(0);
    for (const event of events.values()) perAccount[event.account] += 1;
    let drained = true;
    await waitFor(
      async () => {
        await watchSlow().catch(() => undefined);
        return healthy.every((client) => client.received.size >= perAccount[client.account]);
      },
      { timeoutMs: DRAIN_LIMIT_MS, intervalMs: 100, description: 'every client fed all its account’s events' },
    ).catch(() => (drained = false));
    clearInterval(sampler);
    sampling = false;
    windowSamples.push(await sampleGateways());
    const drainSeconds = (performance.now() - wallStart) / 1000 - writer.seconds;
    const cpuEnd = [...pids, dispatcherPid].map((pid) => procTimes(pid)?.own ?? Number.NaN);
    const machineEnd = cpuSnapshot();
    const benchCpu = process.cpuUsage(benchCpuStart);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    // The slow client, if still not closed: it reads again, then gets what was queued for it (and a close frame if any).
    resumeSlow();
    // Until it is closed or has read everything of its account (what it had not read is still in the buffers).
    if (slow)
      await waitFor(async () => slow.closeCode !== undefined || slow.received.size >= perAccount[slow.account], {
        timeoutMs: 20_000,
        intervalMs: 100,
      }).catch(() => undefined);
    const slowClose = slow ? { code: slow.closeCode, at: slow.closedAt, events: slow.received.size, frames: slow.frames } : undefined;
    const gatewayMetrics = await Promise.all(origins.map(async (origin) => (await fetch(`${origin}/metrics`)).text()));
    const dispatcherMetrics = await (await fetch(`${dispatcherOrigin}/metrics`)).text();

    for (const client of clients) client.socket.terminate();
    const exitCodes = await Promise.all([...gateways, dispatcher].map((child) => stop(child)));

    // Latencies and completeness, per client.
    const lat: number[] = [];
    const sameAsSlow: number[] = [];
    const byWindow: number[][] = Array.from({ length: Math.ceil(SECONDS / windowSeconds) }, () => []);
    const firstScheduled = Math.min(...[...events.values()].map((event) => event.scheduledAt));
    let missing = 0;
    let duplicates = 0;
    let foreign = 0;
    let early = 0;
    const off: string[] = [];
    const receivedCounts: number[] = [];
    for (const client of healthy) {
      let got = 0;
      for (const [id, at] of client.received) {
        const event = events.get(id);
        if (!event) continue;
        if (event.account !== client.account) continue;
        got += 1;
        if (at < event.committedAt) early += 1;
        const latency = at - event.committedAt;
        lat.push(latency);
        byWindow[Math.min(byWindow.length - 1, Math.floor((event.scheduledAt - firstScheduled) / 1000 / windowSeconds))].push(latency);
        if (slow && client.account === slow.account && client.replica === slow.replica) sameAsSlow.push(latency);
      }
      receivedCounts.push(got);
      const clientMissing = perAccount[client.account] - got;
      missing += clientMissing;
      duplicates += client.duplicates;
      foreign += client.foreign;
      if (clientMissing !== 0 || client.duplicates > 0 || client.foreign > 0)
        off.push(
          `#${client.index} (account ${client.account}, gateway ${client.replica}): ${got}/${perAccount[client.account]}, dup ${client.duplicates}`,
        );
    }
    const exact = healthy.length - off.length;
    const sorted = (values: number[]) => Float64Array.from(values).sort();

    // Stages, on the database's clock: commit (created_at, the INSERT's transaction start) → relay round (published_at),
    // and published_at → the client's receipt (this process's clock, the same machine's).
    const { rows } = await pool.query<{ id: string; created: number; published: number | null }>(
      `SELECT id, extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM published_at) * 1000 AS published FROM outbox_events`,
    );
    const stageOne: number[] = [];
    const stageTwo: number[] = [];
    const insertToCommit: number[] = [];
    const published = new Map<string, number>();
    let unpublished = 0;
    for (const row of rows) {
      if (row.published === null) {
        unpublished += 1;
        continue;
      }
      const event = events.get(row.id);
      if (!event) continue;
      published.set(row.id, Number(row.published));
      stageOne.push(Number(row.published) - Number(row.created));
      insertToCommit.push(toEpoch(event.committedAt) - Number(row.created));
    }
    for (const client of healthy)
      for (const [id, at] of client.received) {
        const publishedAt = published.get(id);
        if (publishedAt !== undefined) stageTwo.push(toEpoch(at) - publishedAt);
      }
    const relay = await relayRounds(pool);

    const cpuLine = (replica: number) => {
      const seconds = cpuEnd[replica] - cpuStart[replica];
      // µs of CPU per event the replica's feed received, window by window, with the feed's count at the window's end.
      const windows = windowSamples.slice(1).map((sample, i) => {
        const before = windowSamples[i][replica];
        const events = sample[replica].feed - before.feed;
        return `${events > 0 ? (((sample[replica].cpu - before.cpu) * 1e6) / events).toFixed(0) : '–'} (${sample[replica].feed})`;
      });
      return (
        `${seconds.toFixed(1)} s = ${Math.round((seconds * 1e6) / written)} µs/event written (${((seconds / wallSeconds) * 100).toFixed(0)} % of a core); ` +
        `${metricSum(gatewayMetrics[replica], 'realtime_events_sent_total')} frames sent to ${clients.filter((client) => client.replica === replica).length} sockets; ` +
        `by ${windowSeconds} s of wall time, µs per feed event (feed events so far): ${windows.join(' / ')}`
      );
    };
    const dispatcherCpu = cpuEnd[REPLICAS] - cpuStart[REPLICAS];
    const relayLag =
      metricSum(dispatcherMetrics, 'outbox_publish_lag_seconds_sum') / metricSum(dispatcherMetrics, 'outbox_publish_lag_seconds_count');
    const windowP99 = byWindow.map(
      (values, i) => `${i * windowSeconds}–${(i + 1) * windowSeconds} s: ${percentile(sorted(values), 0.99).toFixed(0)}`,
    );
    const meanFrame =
      healthy.reduce((sum, client) => sum + client.bytes, 0) /
      Math.max(
        1,
        healthy.reduce((sum, client) => sum + client.frames, 0),
      );
    const slowLine =
      slow && slowClose
        ? `  slow client           #0 (account 0, gateway 0) paused at the start; ` +
          (slowClose.code === undefined
            ? 'NOT closed'
            : `closed with ${slowClose.code} ${(((slowClose.at ?? 0) - slowPausedAt) / 1000).toFixed(1)} s after the pause`) +
          `; gateway 0 ${slowServerClose ? `closed it ${((slowServerClose.at - slowPausedAt) / 1000).toFixed(1)} s after the pause (seen within 1 s: ${slowServerClose.codes})` : 'did not close it during the run'}; ` +
          `it read again ${((slowResumedAt - slowPausedAt) / 1000).toFixed(1)} s after the pause (${slowBufferedAtClose} B read before), ` +
          `and got ${slowClose.frames} frames in all (${slowClose.events} of its account's ${perAccount[slow.account]} events); ` +
          `kernel queues then: client's unread ${slowQueues?.clientRecvQ ?? 'n/a'} B, gateway's unacknowledged ${slowQueues?.serverSendQ ?? 'n/a'} B; ` +
          `frames average ${meanFrame.toFixed(0)} B, ${((meanFrame * perAccount[slow.account]) / writer.seconds / 1024).toFixed(1)} KiB/s for one account`
        : undefined;
    const lines = [
      '',
      `realtime stream: ${RATE} events/s for ${SECONDS} s over ${ACCOUNTS} accounts, ${CLIENTS} clients on ${REPLICAS} gateways` +
        `${slow ? ', 1 not reading' : ''}, OUTBOX_POLL_MS default`,
      `  written               ${written} rows in ${writer.seconds.toFixed(1)} s (${Math.round(written / writer.seconds)}/s), ` +
        `${writer.failed} failed, commit behind schedule p99 ${writer.lagP99.toFixed(1)} ms`,
      `  received              ${exact} of ${healthy.length}${slow ? ' reading' : ''} clients got exactly their account's events ` +
        `(${Math.min(...perAccount)}–${Math.max(...perAccount)} each; received ${Math.min(...receivedCounts)}–${Math.max(...receivedCounts)}); ` +
        `missing ${missing}, duplicates ${duplicates}, other accounts' ${foreign}; ${drained ? 'all' : 'NOT all (gave up waiting)'} in ` +
        `${drainSeconds.toFixed(1)} s after the writer stopped; received before the writer read its commit ${early}`,
      ...(off.length > 0
        ? [`  clients off           ${off.slice(0, 10).join('; ')}${off.length > 10 ? ` … ${off.length - 10} more` : ''}`]
        : []),
      `  commit → client       ${describeLatencies(sorted(lat))} (${lat.length} receipts${slow ? ', reading clients' : ''})`,
      ...(slow
        ? [`  beside the slow one   ${describeLatencies(sorted(sameAsSlow))} (the reading clients of its account on its gateway)`]
        : []),
      `  p99 by window         ${windowP99.join(', ')} ms`,
      `  where the time goes   commit → relay round (published_at − created_at) ${describeLatencies(sorted(stageOne))}; ` +
        `published_at → client ${describeLatencies(sorted(stageTwo))}; INSERT start → commit read ${describeLatencies(sorted(insertToCommit))}`,
      `  relay rounds          ${relay}; relay lag mean ${(relayLag * 1000).toFixed(0)} ms (dispatcher metric); unpublished ${unpublished}`,
      ...[...Array(REPLICAS).keys()].map(
        (replica) =>
          `  gateway ${replica} CPU         ${cpuLine(replica)}; feed events ${metricSum(gatewayMetrics[replica], 'realtime_feed_events_total')}`,
      ),
      `  dispatcher CPU        ${dispatcherCpu.toFixed(1)} s = ${Math.round((dispatcherCpu * 1e6) / written)} µs/event written ` +
        `(${((dispatcherCpu / wallSeconds) * 100).toFixed(0)} % of a core over ${wallSeconds.toFixed(0)} s)`,
      ...(slowLine ? [slowLine] : []),
      `  closes                ${origins
        .map(
          (_, replica) =>
            `gateway ${replica}: ${
              gatewayMetrics[replica]
                .split('\n')
                .filter((line) => line.startsWith('realtime_closes_total{'))
                .join(', ') || 'none'
            }`,
        )
        .join('; ')}`,
      machineStart && machineEnd
        ? `  CPU over the run      PostgreSQL ${(machineEnd.postgres - machineStart.postgres).toFixed(1)} s, RabbitMQ ${(machineEnd.rabbitmq - machineStart.rabbitmq).toFixed(1)} s, ` +
          `this process (writer + clients) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} s, ` +
          `whole machine ${(machineEnd.machineBusy - machineStart.machineBusy).toFixed(1)} s of ${(2 * wallSeconds).toFixed(1)} s (2 cores; other tenants included)`
        : '  CPU over the run      n/a',
      `  load average          ${loadAtStart.map((n) => n.toFixed(2)).join(' ')} at the start, ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} at the end (2 cores, shared)`,
      `  warnings              ${warnings.size === 0 ? 'none' : [...warnings].map(([message, n]) => `${n} × ${message}`).join('; ')}`,
      `  exit on SIGTERM       gateways ${exitCodes.slice(0, REPLICAS).join(', ')}, dispatcher ${exitCodes[REPLICAS]}`,
    ];
    console.log(lines.join('\n'));
    if (!drained || missing > 0 || duplicates > 0 || foreign > 0 || writer.failed > 0 || exitCodes.some((code) => code !== 0))
      process.exitCode = 1;
  } finally {
    for (const client of clients) client.socket.terminate();
    for (const child of [...gateways, dispatcher]) if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await pool.end();
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

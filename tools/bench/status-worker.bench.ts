/**
 * Status worker benchmark (issue #7): docs/BENCHMARKS.md, "Status worker: a campaign's status
 * storm". The sustained rate is taken between 10 % and 90 % of the events applied.
 *
 *   npx nx build status-worker
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/status-worker.bench.ts
 *
 * BENCH_MESSAGES (default 100000), BENCH_GROUPS (default 100), BENCH_PREFETCH (default: the
 * worker's PREFETCH_COUNT default), BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDataSource } from '@inbound/domain';
import { STATUS_EXCHANGE, STATUS_QUEUE, statusRoutingKey } from '@inbound/contracts';
import { declareQueueTopology, retryDelays, STATUS_TOPOLOGY } from '@inbound/messaging';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT } from '@inbound/testing';
import { connect } from 'amqplib';
import { seedStorm, STORM_KINDS as KINDS, stormEventTime, stormProblems, stormProviderMessageId, type StormSeed } from './campaign-storm';
import { cpuSnapshot, procTimes } from './process-cpu';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 100);
const PREFETCH = process.env.BENCH_PREFETCH;
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);

function counter(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is none. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  return procTimes(pid)?.own;
}

/** Publishes 3 events per message in a random order, confirmed, a window at a time. */
async function publishShuffled(rabbitmqUrl: string, { channelId, accountId }: StormSeed): Promise<number> {
  const total = MESSAGES * KINDS.length;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const connection = await connect(rabbitmqUrl);
  const channel = await connection.createConfirmChannel();
  // The worker's default retry schedule, so that its own declaration matches.
  await declareQueueTopology(channel, STATUS_TOPOLOGY, retryDelays());
  const started = Date.now();
  const receivedAt = new Date().toISOString();
  for (let from = 0; from < total; from += 5_000) {
    for (let i = from; i < Math.min(total, from + 5_000); i++) {
      const message = Math.floor(order[i] / KINDS.length);
      const kind = KINDS[order[i] % KINDS.length];
      const event = {
        event_id: randomUUID(),
        channel_id: channelId,
        account_id: accountId,
        channel_type: 'whatsapp',
        provider_message_id: stormProviderMessageId(message),
        status: kind,
        timestamp: stormEventTime(kind).toISOString(),
        metadata: { provider_status: kind },
        received_at: receivedAt,
      };
      channel.publish(STATUS_EXCHANGE, statusRoutingKey(kind), Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
        messageId: event.event_id,
      });
    }
    await channel.waitForConfirms();
  }
  const seconds = (Date.now() - started) / 1000;
  const { messageCount } = await channel.checkQueue(STATUS_QUEUE);
  await connection.close();
  if (messageCount !== total) throw new Error(`${messageCount} events queued, expected ${total}`);
  return seconds;
}

function startWorker(env: Record<string, string>): ChildProcess {
  const main = join(WORKSPACE_ROOT, 'dist/apps/status-worker/main.js');
  const child = spawn(process.execPath, [...WORKER_NODE_ARGS, main], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Warnings and errors are passed on; a storm of them would show in the figures anyway.
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (/"level":(40|50|60)/.test(line)) process.stderr.write(`worker: ${line.slice(0, 300)}\n`);
    });
  }
  return child;
}

async function main(): Promise<void> {
  if (!existsSync(join(WORKSPACE_ROOT, 'dist/apps/status-worker/main.js')))
    throw new Error('build the worker first: npx nx build status-worker');
  const infra = await createIsolatedInfra('bench_status');
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  let worker: ChildProcess | undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const total = MESSAGES * KINDS.length;
    console.log(`seeding ${MESSAGES} messages in ${GROUPS} campaigns …`);
    const seeded = await seedStorm(dataSource, { messages: MESSAGES, groups: GROUPS });
    console.log(`publishing ${total} status events, shuffled …`);
    const publishSeconds = await publishShuffled(infra.rabbitmqUrl, seeded);
    console.log(
      `published in ${publishSeconds.toFixed(1)} s (${Math.round(total / publishSeconds)}/s); load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const cpuBefore = cpuSnapshot();
    const spawned = Date.now();
    worker = startWorker({
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      HEALTH_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(PREFETCH ? { PREFETCH_COUNT: PREFETCH } : {}),
    });
    const samples: Array<{ at: number; settled: number }> = [];
    let metricsText = '';
    await waitFor(
      async () => {
        const response = await fetch(metricsUrl).catch(() => undefined);
        if (!response?.ok) return false;
        metricsText = await response.text();
        const settled = counter(metricsText, 'worker_events_applied_total') + counter(metricsText, 'worker_events_ignored_total');
        samples.push({ at: Date.now(), settled });
        return settled >= total;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 100, description: 'the queue drained' },
    );
    const cpu = cpuSeconds(worker.pid);
    const cpuAfter = cpuSnapshot();
    const first = samples.find((sample) => sample.settled > 0) ?? samples[0];
    const last = samples[samples.length - 1];
    const at = (share: number) => samples.find((sample) => sample.settled >= share * total) ?? last;
    const [p10, p90] = [at(0.1), at(0.9)];
    const sustained = (p90.settled - p10.settled) / ((p90.at - p10.at) / 1000);
    const overall = total / ((last.at - first.at) / 1000);

    const exited = new Promise((resolve) => worker?.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    const exitCode = await exited;
    worker = undefined;
    const problems = await stormProblems(dataSource, MESSAGES);

    const batches = counter(metricsText, 'worker_batch_size_count');
    console.log(
      [
        '',
        `status worker, ${MESSAGES} messages × 3 events = ${total} events, ${GROUPS} campaigns, PREFETCH_COUNT ${PREFETCH ?? 'default'}`,
        `  drained in            ${((last.at - first.at) / 1000).toFixed(1)} s after the first event (start-up ${((first.at - spawned) / 1000).toFixed(1)} s)`,
        `  applied events/s      ${Math.round(overall)} overall, ${Math.round(sustained)} sustained (10 %–90 %)`,
        `  applied / ignored     ${counter(metricsText, 'worker_events_applied_total')} / ${counter(metricsText, 'worker_events_ignored_total')}`,
        `  batches               ${batches}, mean size ${(counter(metricsText, 'worker_batch_size_sum') / batches).toFixed(1)}, mean ${((counter(metricsText, 'worker_batch_duration_seconds_sum') / batches) * 1000).toFixed(1)} ms`,
        `  transaction retries   ${counter(metricsText, 'worker_transaction_conflicts_total')}`,
        `  worker CPU            ${cpu === undefined ? 'n/a' : `${cpu.toFixed(1)} s (${Math.round((cpu * 1e6) / total)} µs/event)`}`,
        cpuBefore && cpuAfter
          ? `  CPU while draining    PostgreSQL ${(cpuAfter.postgres - cpuBefore.postgres).toFixed(1)} s, RabbitMQ ${(cpuAfter.rabbitmq - cpuBefore.rabbitmq).toFixed(1)} s, ` +
            `whole machine ${(cpuAfter.machineBusy - cpuBefore.machineBusy).toFixed(1)} s of ${((2 * (last.at - spawned)) / 1000).toFixed(1)} s (2 cores; other tenants included)`
          : '  CPU while draining    n/a',
        `  load average          ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')} (2 cores, shared)`,
        `  exit on SIGTERM       ${String(exitCode)}`,
        `  counters exact        ${problems.length === 0 ? 'yes' : `NO\n    ${problems.slice(0, 10).join('\n    ')}`}`,
      ].join('\n'),
    );
    if (problems.length > 0 || exitCode !== 0) process.exitCode = 1;
  } finally {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

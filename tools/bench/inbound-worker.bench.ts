/**
 * Inbound worker drain benchmark (issue #8): docs/BENCHMARKS.md, "Inbound worker: message intake". The rate is
 * measured by the database (created_at), so the worker's boot is not counted.
 *
 *   npx nx build inbound-worker
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/inbound-worker.bench.ts
 *
 * BENCH_EVENTS (default 100,000), BENCH_SENDERS (10,000), BENCH_ROUNDS (1), BENCH_PREFETCH (the worker's default).
 */
import { Channel, createDataSource } from '@inbound/domain';
import { deadLetterQueueName, INBOUND_EXCHANGE, INBOUND_QUEUE, inboundRoutingKey, type InboundMessageEvent } from '@inbound/contracts';
import { declareQueueTopology, INBOUND_TOPOLOGY, retryDelays } from '@inbound/messaging';
import { createIsolatedInfra, dropIsolatedInfra, freePort, waitFor, WORKSPACE_ROOT } from '@inbound/testing';
import { connect, type ConfirmChannel } from 'amqplib';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { median } from './bench-figures';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const PREFETCH = process.env.BENCH_PREFETCH;
const CHAT_TYPES = ['telegram', 'whatsapp', 'messenger', 'sms'] as const;
type ChatType = (typeof CHAT_TYPES)[number];

/** Events shaped like the adapters' output, spread over channel types and senders. */
function benchEvents(channels: Record<ChatType, Channel>, round: string): InboundMessageEvent[] {
  const now = new Date().toISOString();
  return Array.from({ length: EVENTS }, (_, i) => {
    const type = CHAT_TYPES[i % CHAT_TYPES.length];
    const channel = channels[type];
    const sender = `+1415${String(i % SENDERS).padStart(7, '0')}`;
    return {
      event_id: randomUUID(),
      channel_id: channel.id,
      account_id: channel.account_id,
      channel_type: type,
      provider_message_id: `${type}-${round}-${i}`,
      sender_address: sender,
      sender_name: i % 3 === 0 ? `Sender ${i % SENDERS}` : undefined,
      message_body: `Hello, this is message ${i} of the inbound benchmark. Any news on my order?`,
      timestamp: now,
      media_url: i % 10 === 0 ? `https://media.example.com/${i}.jpg` : undefined,
      media_type: i % 10 === 0 ? 'image/jpeg' : undefined,
      metadata: { message_type: 'text', to: '+14155559999', num_segments: '1' },
      received_at: now,
    };
  });
}

async function publishAll(channel: ConfirmChannel, events: readonly InboundMessageEvent[]): Promise<number> {
  const started = process.hrtime.bigint();
  for (let start = 0; start < events.length; start += 5_000) {
    for (const event of events.slice(start, start + 5_000)) {
      const writable = channel.publish(INBOUND_EXCHANGE, inboundRoutingKey(event.channel_type), Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
        messageId: event.event_id,
      });
      if (!writable) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  }
  return events.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Answers a contact for senders whose hash is even and 404 for the rest, like a real directory. */
async function startAccountService(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const address = new URL(req.url ?? '/', 'http://localhost').searchParams.get('address') ?? '';
    const digest = createHash('sha1').update(address).digest('hex');
    if (Number.parseInt(digest[0], 16) % 2 === 0) {
      const id = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'dist/apps/inbound-worker/main.js')], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...(PREFETCH ? { PREFETCH_COUNT: PREFETCH } : {}), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stopWorker(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  child.kill('SIGTERM');
  return exited;
}

interface Figures {
  mode: string;
  publishedPerSecond: number;
  eventsPerSecond: number;
  wallSeconds: number;
  meanBatch: number;
  /** The worker's CPU time per event, boot included: steadier than the rate on a shared machine. */
  cpuMicrosPerEvent: number;
  lookups: string;
}

async function metricsOf(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('worker_') && !line.startsWith('process_cpu_seconds_total')) continue;
    const name = line
      .slice(0, line.lastIndexOf(' '))
      .replace(/,?service="inbound-worker"/, '')
      .replace('{}', '');
    values.set(name, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return values;
}

async function runMode(
  mode: 'without look-ups' | 'with look-ups',
  context: {
    infra: { databaseUrl: string; rabbitmqUrl: string };
    dataSource: DataSource;
    publisher: ConfirmChannel;
    channels: Record<ChatType, Channel>;
    accountUrl: string;
  },
): Promise<Figures> {
  const { infra, dataSource, publisher, channels } = context;
  await dataSource.query('TRUNCATE messages');
  const publishedPerSecond = await publishAll(publisher, benchEvents(channels, randomUUID().slice(0, 8)));

  const port = await freePort();
  const started = Date.now();
  const worker = startWorker({
    DATABASE_URL: infra.databaseUrl,
    RABBITMQ_URL: infra.rabbitmqUrl,
    HEALTH_PORT: String(port),
    ...(mode === 'with look-ups' ? { ACCOUNT_API_URL: context.accountUrl } : {}),
  });
  try {
    await waitFor(async () => (await dataSource.query(`SELECT count(*)::int AS n FROM messages`))[0].n === EVENTS, {
      timeoutMs: 15 * 60_000,
      intervalMs: 250,
      description: `${EVENTS} rows (${mode})`,
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const [span] = await dataSource.query(
      `SELECT count(*)::int AS rows, count(DISTINCT metadata_->>'event_id')::int AS distinct_events,
              extract(epoch FROM max(created_at) - min(created_at))::float AS seconds FROM messages`,
    );
    if (span.rows !== EVENTS || span.distinct_events !== EVENTS)
      throw new Error(`expected ${EVENTS} rows, found ${span.rows} (${span.distinct_events} distinct)`);
    const metrics = await metricsOf(port);
    const lookups = ['found', 'not_found', 'error', 'timeout', 'circuit_open', 'skipped']
      .map((outcome) => `${outcome} ${metrics.get(`worker_contact_lookups_total{outcome="${outcome}"}`) ?? 0}`)
      .join(', ');
    return {
      mode,
      publishedPerSecond,
      eventsPerSecond: EVENTS / span.seconds,
      wallSeconds,
      meanBatch: (metrics.get('worker_batch_size_sum') ?? 0) / (metrics.get('worker_batch_size_count') ?? 1),
      cpuMicrosPerEvent: ((metrics.get('process_cpu_seconds_total') ?? 0) * 1e6) / EVENTS,
      lookups: mode === 'with look-ups' ? lookups : 'none',
    };
  } finally {
    const code = await stopWorker(worker);
    if (code !== 0) process.stderr.write(`worker exited with ${code}\n`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(WORKSPACE_ROOT, 'dist/apps/inbound-worker/main.js')))
    throw new Error('build the worker first: npx nx build inbound-worker');
  const infra = await createIsolatedInfra('bench_inbound');
  const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 2 });
  const broker = await connect(infra.rabbitmqUrl);
  const account = await startAccountService();
  const results: Figures[] = [];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const accountId = randomUUID();
    const channels = Object.fromEntries(
      await Promise.all(
        CHAT_TYPES.map(async (type) => [
          type,
          await dataSource
            .getRepository(Channel)
            .save({ account_id: accountId, channel_type: type, name: `bench ${type}`, credentials: 'plain.e30', is_active: true }),
        ]),
      ),
    ) as Record<ChatType, Channel>;
    const publisher = await broker.createConfirmChannel();
    await declareQueueTopology(publisher, INBOUND_TOPOLOGY, retryDelays());

    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternating, so a noisy neighbour on this shared machine hits both modes alike.
      for (const mode of ['without look-ups', 'with look-ups'] as const) {
        const figures = await runMode(mode, { infra, dataSource, publisher, channels, accountUrl: account.url });
        results.push(figures);
        process.stdout.write(
          `round ${round + 1} ${figures.mode.padEnd(17)} ${figures.eventsPerSecond.toFixed(0).padStart(7)} events/s ` +
            `(published at ${figures.publishedPerSecond.toFixed(0)}/s, drained in ${figures.wallSeconds.toFixed(1)} s wall incl. boot, ` +
            `mean batch ${figures.meanBatch.toFixed(0)}, worker CPU ${figures.cpuMicrosPerEvent.toFixed(0)} µs/event; look-ups: ${figures.lookups})\n`,
        );
      }
    }
    const check = await publisher.checkQueue(INBOUND_QUEUE);
    const dead = await publisher.checkQueue(deadLetterQueueName(INBOUND_QUEUE));
    if (check.messageCount !== 0 || dead.messageCount !== 0)
      throw new Error(`queue not drained: ${check.messageCount} left, ${dead.messageCount} dead-lettered`);
  } finally {
    account.server.close();
    await broker.close().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropIsolatedInfra(infra);
  }
  const rate = (mode: string) => median(results.filter((figures) => figures.mode === mode).map((figures) => figures.eventsPerSecond));
  process.stdout.write(
    `\ninbound worker drain: ${EVENTS} events, ${SENDERS} senders, ${ROUNDS} round(s); ` +
      `median ${rate('without look-ups').toFixed(0)} events/s without look-ups, ${rate('with look-ups').toFixed(0)} events/s with look-ups; ` +
      `account service answered ${account.requests()} look-ups\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

import { createDataSource } from '@inbound/domain';
import { deadLetterQueueName, INBOUND_QUEUE, retryQueueName, STATUS_QUEUE } from '@inbound/contracts';
import { retryDelays } from '@inbound/messaging';
import {
  type AppProcess,
  CallStream,
  type DisposablePostgres,
  type DisposableRabbitMq,
  freePort,
  killIfRunning,
  startBuiltApp,
  startDisposablePostgres,
  startDisposableRabbitMq,
  TcpProxy,
  waitFor,
} from '@inbound/testing';
import { connect } from 'amqplib';
import { createHmac, randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/**
 * Faults that really break things, against the three built apps as deployed: every call
 * answered 200 must end up applied exactly once. What each case counts, and how to run it:
 * docs/FAULTS.md, "The fault suite". The shared RabbitMQ and PostgreSQL are never stopped.
 */

const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789';
const CREDENTIALS_KEY = randomBytes(32).toString('base64');
const ACCOUNT_ID = '0b5e3c1a-8d4f-4e2a-9c6b-7a1d2e3f4a5b';
const APP_SECRET = 'fault-suite-meta-app-secret';
const OUR_NUMBER = '106540352242922';
/** Every fifth call of a stream carries an inbound message too, so the inbound worker meets each fault. */
const INBOUND_EVERY = 5;
/** Nothing on its way (spool, queues, retry queues) and nothing newly applied for this long: what is missing is lost. */
const QUIET_MS = 10_000;
/** How old the queues must be before a broker is killed (see case b). */
const QUEUE_SETTLING_MS = 10_000;
/** The workers' retry defaults (README, configuration), for the names of their retry queues. */
const DEFAULT_RETRY = { RETRY_FIRST_DELAY_MS: '2000', RETRY_WINDOW_MS: '900000' };

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const signature = (body: string) => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface Outcome {
  sent: number;
  accepted: number;
  refused: number;
  refusals: Record<string, number>;
  /** Calls answered 200 with at least one event never applied. */
  lost: number;
  lostStatuses: number;
  lostInbound: number;
  deadLettered: number;
  spoolLeft: number;
  /** Events the gateway wrote to its spool (the fault met calls in flight). */
  spooled: number;
  deliveredCount: number;
  deliveredMessages: number;
}

function report(title: string, outcome: Outcome, durations: { outageMs?: number; caseMs: number }, extra = ''): void {
  const outage = durations.outageMs === undefined ? '' : `, outage ${seconds(durations.outageMs)} s`;
  console.log(
    `[faults] ${title}: sent ${outcome.sent}, accepted ${outcome.accepted}, refused ${outcome.refused} ${JSON.stringify(outcome.refusals)}, ` +
      `lost ${outcome.lost} (statuses ${outcome.lostStatuses}, inbound ${outcome.lostInbound}), dead-lettered ${outcome.deadLettered}, ` +
      `spooled ${outcome.spooled}, spool left ${outcome.spoolLeft}, delivered_count ${outcome.deliveredCount} / delivered messages ` +
      `${outcome.deliveredMessages}${outage}, case ${seconds(durations.caseMs)} s${extra ? `; ${extra}` : ''}`,
  );
}

/** A counter's value on a process's /metrics, summed over its label sets; 0 when unreachable. */
async function metric(origin: string, name: string): Promise<number> {
  const text = await fetch(`${origin}/metrics`)
    .then((response) => response.text())
    .catch(() => '');
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').pop());
  }
  return total;
}

/** Resolves when the app has exited or after `ms`, leaving no timer behind (Jest waits for timers). */
function exitedWithin(app: AppProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void app.exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function outputTail(app: AppProcess, characters = 1_500): string {
  const { stdout, stderr } = app.output();
  return `${stdout}${stderr}`.slice(-characters);
}

interface PipelineOptions {
  label: string;
  /** Start both workers with the gateway (default), or leave them to the case. */
  workers?: boolean;
  workerEnv?: Record<string, string>;
}

/** One case's pipeline: a database and vhost of its own, the built apps, a channel, a campaign. */
class Pipeline {
  /** Pipelines not closed yet: afterEach closes what a failed case left. */
  static readonly running = new Set<Pipeline>();
  private readonly apps: AppProcess[] = [];
  private gatewayOrigin = '';
  private channelId = '';
  private campaignId = '';
  private prefix = '';
  campaignSize = 0;
  /** When the gateway and the workers had declared every queue. */
  queuesDeclaredAt = 0;
  /** Call numbers whose body carried an inbound message. */
  private readonly withInbound = new Set<number>();
  private readonly workerEnv: Record<string, string>;

  private constructor(
    private readonly databaseUrl: string,
    private readonly rabbitmqUrl: string,
    private readonly pool: Pool,
    workerEnv: Record<string, string>,
  ) {
    this.workerEnv = { ...DEFAULT_RETRY, ...workerEnv };
    Pipeline.running.add(this);
  }

  static async start(rabbit: DisposableRabbitMq, postgres: DisposablePostgres, options: PipelineOptions): Promise<Pipeline> {
    const name = `fault_${options.label}_${randomBytes(3).toString('hex')}`;
    const databaseUrl = await postgres.createDatabase(name);
    const dataSource = createDataSource({ url: databaseUrl, poolSize: 1 });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
    const rabbitmqUrl = await rabbit.addVhost(name);
    const pool = new Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', () => undefined); // idle connections die with the server in the database cases
    const pipeline = new Pipeline(databaseUrl, rabbitmqUrl, pool, options.workerEnv ?? {});
    await pipeline.startGateway();
    if (options.workers ?? true) await Promise.all([pipeline.startWorker('status-worker'), pipeline.startWorker('inbound-worker')]);
    pipeline.queuesDeclaredAt = Date.now();
    pipeline.channelId = await pipeline.createChannel();
    return pipeline;
  }

  /** This pipeline's vhost, reached through another local port (a TcpProxy in front of the broker). */
  rabbitmqUrlThrough(port: number): string {
    const url = new URL(this.rabbitmqUrl);
    url.port = String(port);
    return url.toString();
  }

  private common() {
    return { DATABASE_URL: this.databaseUrl, RABBITMQ_URL: this.rabbitmqUrl, NODE_ENV: 'test' };
  }

  private async startGateway(): Promise<void> {
    const port = await freePort();
    this.gatewayOrigin = `http://127.0.0.1:${port}`;
    const gateway = startBuiltApp('webhook-gateway', {
      ...this.common(),
      PORT: String(port),
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      CREDENTIALS_KEY,
    });
    this.apps.push(gateway);
    await this.ready(gateway, this.gatewayOrigin);
  }

  async startWorker(app: 'status-worker' | 'inbound-worker', env: Record<string, string> = {}): Promise<AppProcess> {
    const port = await freePort();
    const worker = startBuiltApp(app, { ...this.common(), ...this.workerEnv, ...env, HEALTH_PORT: String(port) });
    this.apps.push(worker);
    await this.ready(worker, `http://127.0.0.1:${port}`);
    return worker;
  }

  private async ready(app: AppProcess, origin: string): Promise<void> {
    try {
      await waitFor(async () => (await fetch(`${origin}/health/ready`)).ok, {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: `${origin} to be ready`,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${outputTail(app)}`);
    }
  }

  private async createChannel(): Promise<string> {
    const response = await fetch(`${this.gatewayOrigin}/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: ACCOUNT_ID,
        channel_type: 'whatsapp',
        name: 'fault suite',
        credentials: { app_secret: APP_SECRET, phone_number_id: OUR_NUMBER },
      }),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) throw new Error(`channel not created: ${response.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  /** A campaign of `size` outbound WhatsApp messages as the sender stores them; message n is `<prefix>n`. */
  async seedCampaign(size: number): Promise<void> {
    this.prefix = `wamid.FAULT-${randomBytes(4).toString('hex')}-`;
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, $3) RETURNING id`,
      [ACCOUNT_ID, this.channelId, size],
    );
    this.campaignId = rows[0].id;
    await this.pool.query(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, metadata_, sent_at)
       SELECT $1, $2, $3, 'outbound', 'sent', '+1555' || n, jsonb_build_object('provider_message_id', $4 || n), '2026-01-01T00:00:00Z'
       FROM generate_series(0, $5::int - 1) AS n`,
      [ACCOUNT_ID, this.channelId, this.campaignId, this.prefix, size],
    );
    this.campaignSize = size;
  }

  /** A signed WhatsApp notification: `delivered` for each message number, and optionally an inbound text. */
  notification(numbers: readonly number[], inboundNumber?: number): string {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const value: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: OUR_NUMBER },
      statuses: numbers.map((n) => ({ id: `${this.prefix}${n}`, status: 'delivered', timestamp, recipient_id: `1555${n}` })),
    };
    if (inboundNumber !== undefined) {
      value.contacts = [{ profile: { name: `Sender ${inboundNumber}` }, wa_id: `1666${inboundNumber}` }];
      value.messages = [
        {
          from: `1666${inboundNumber}`,
          id: `${this.prefix}in-${inboundNumber}`,
          timestamp,
          type: 'text',
          text: { body: `message ${inboundNumber}` },
        },
      ];
    }
    return JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }],
    });
  }

  async post(body: string, signal?: AbortSignal): Promise<number> {
    const response = await fetch(`${this.gatewayOrigin}/webhooks/whatsapp/${this.channelId}`, {
      method: 'POST',
      body,
      signal,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(body) },
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Call n of a stream: the delivery of message n, and every fifth call an inbound message. */
  call(n: number, signal: AbortSignal): Promise<number> {
    const inbound = n % INBOUND_EVERY === 0 ? n : undefined;
    if (inbound !== undefined) this.withInbound.add(n);
    return this.post(this.notification([n], inbound), signal);
  }

  stream(ratePerSecond: number, maxCalls = this.campaignSize): CallStream {
    return new CallStream({ ratePerSecond, maxCalls, call: (n, signal) => this.call(n, signal) });
  }

  private async delivered(): Promise<Set<number>> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT metadata_->>'provider_message_id' AS id FROM messages WHERE group_message_id = $1 AND status = 'delivered'`,
      [this.campaignId],
    );
    return new Set(rows.map((row) => Number(row.id.slice(this.prefix.length))));
  }

  private async storedInbound(): Promise<Set<number>> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT metadata_->>'provider_message_id' AS id FROM messages WHERE channel_id = $1 AND direction = 'inbound'`,
      [this.channelId],
    );
    const inboundPrefix = `${this.prefix}in-`;
    return new Set(rows.filter((row) => row.id.startsWith(inboundPrefix)).map((row) => Number(row.id.slice(inboundPrefix.length))));
  }

  /** The accepted calls with an event not applied (yet). */
  private async missing(accepted: readonly number[]): Promise<{ statuses: number[]; inbound: number[] }> {
    const [delivered, inbound] = await Promise.all([this.delivered(), this.storedInbound()]);
    return {
      statuses: accepted.filter((n) => !delivered.has(n)),
      inbound: accepted.filter((n) => this.withInbound.has(n) && !inbound.has(n)),
    };
  }

  async counters(): Promise<{ deliveredCount: number; deliveredMessages: number }> {
    const { rows } = await this.pool.query<{ delivered_count: number; delivered_messages: number }>(
      `SELECT g.delivered_count,
              (SELECT count(*)::int FROM messages m WHERE m.group_message_id = g.id AND m.status = 'delivered') AS delivered_messages
       FROM group_messages g WHERE g.id = $1`,
      [this.campaignId],
    );
    return { deliveredCount: rows[0].delivered_count, deliveredMessages: rows[0].delivered_messages };
  }

  async spoolDepth(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_spool`);
    return rows[0].n;
  }

  /** Ready messages per queue: both main queues, their dead-letter queues and the workers' retry queues. */
  async queueDepths(): Promise<Record<string, number>> {
    const delays = retryDelays(Number(this.workerEnv.RETRY_FIRST_DELAY_MS), Number(this.workerEnv.RETRY_WINDOW_MS));
    const queues = [INBOUND_QUEUE, STATUS_QUEUE].flatMap((queue) => [
      queue,
      deadLetterQueueName(queue),
      ...delays.map((delay) => retryQueueName(queue, delay)),
    ]);
    const connection = await connect(this.rabbitmqUrl);
    connection.on('error', () => undefined);
    const depths: Record<string, number> = {};
    try {
      for (const queue of queues) {
        // A look at a queue not declared yet closes its channel: one channel per look.
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        depths[queue] = await channel.checkQueue(queue).then(
          (info) => info.messageCount,
          () => 0,
        );
        await channel.close().catch(() => undefined);
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
    return depths;
  }

  /** Events still on their way to a worker: in the spool or ready in a main or retry queue; undefined when unreadable. */
  private async eventsOnTheirWay(): Promise<number | undefined> {
    try {
      const depths = await this.queueDepths();
      const queued = Object.entries(depths)
        .filter(([queue]) => !queue.endsWith('.dlq'))
        .reduce((sum, [, depth]) => sum + depth, 0);
      return queued + (await this.spoolDepth());
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until every accepted call is applied, or until nothing moves any more (nothing on
   * its way and nothing newly applied for QUIET_MS), or the timeout: whatever is missing then
   * is lost.
   */
  private async settle(accepted: readonly number[], timeoutMs: number): Promise<{ statuses: number[]; inbound: number[] }> {
    const deadline = Date.now() + timeoutMs;
    let quietSince = Date.now();
    let last = '';
    for (;;) {
      const missing = await this.missing(accepted).catch(() => undefined);
      if (missing && missing.statuses.length + missing.inbound.length === 0) return missing;
      const onTheirWay = await this.eventsOnTheirWay();
      const state = `${missing?.statuses.length}/${missing?.inbound.length}/${onTheirWay}`;
      if (onTheirWay !== 0 || state !== last) quietSince = Date.now();
      last = state;
      if (missing && (Date.now() - quietSince >= QUIET_MS || Date.now() > deadline)) return missing;
      if (Date.now() > deadline + 30_000) throw new Error('the database stayed unreadable after the case');
      await pause(1_000);
    }
  }

  /** Settles, then counts: what was refused, lost, dead-lettered and left behind. */
  async outcome(accepted: readonly number[], sent: number, refusals: Record<string, number>, timeoutMs = 120_000): Promise<Outcome> {
    const lost = await this.settle(accepted, timeoutMs);
    const depths = await this.queueDepths();
    const counters = await this.counters();
    return {
      sent,
      accepted: accepted.length,
      refused: Object.values(refusals).reduce((sum, n) => sum + n, 0),
      refusals,
      lost: new Set([...lost.statuses, ...lost.inbound]).size,
      lostStatuses: lost.statuses.length,
      lostInbound: lost.inbound.length,
      deadLettered: depths[deadLetterQueueName(STATUS_QUEUE)] + depths[deadLetterQueueName(INBOUND_QUEUE)],
      spoolLeft: await this.spoolDepth(),
      spooled: await metric(this.gatewayOrigin, 'gateway_events_spooled_total'),
      ...counters,
    };
  }

  async streamOutcome(stream: CallStream): Promise<Outcome> {
    return this.outcome(stream.numbersAnswered(200), stream.sent, stream.refusals());
  }

  gatewayMetric(name: string): Promise<number> {
    return metric(this.gatewayOrigin, name);
  }

  /** The apps' last output lines, for a case whose figures are off. */
  logs(): string {
    return this.apps.map((app) => `--- ${app.child.spawnargs.at(-1)}\n${outputTail(app)}`).join('\n');
  }

  async close(): Promise<void> {
    Pipeline.running.delete(this);
    for (const app of this.apps) if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
    await Promise.all(this.apps.map((app) => exitedWithin(app, 10_000)));
    await Promise.all(this.apps.map((app) => killIfRunning(app)));
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Streams calls at `rate`, waits for two seconds' worth accepted (the channel is cached,
 * events flow), runs the fault, then waits for three seconds' worth accepted after it.
 */
async function streamThroughFault(
  pipeline: Pipeline,
  rate: number,
  fault: () => Promise<void>,
): Promise<{ stream: CallStream; outageMs: number }> {
  const stream = pipeline.stream(rate).start();
  try {
    await waitFor(() => stream.count(200) >= rate * 2, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: 'calls accepted before the fault',
    });
    const faultStarted = Date.now();
    await fault();
    const outageMs = Date.now() - faultStarted;
    const acceptedAtRecovery = stream.count(200);
    // Not a failure by itself: the figures (refusals) say what went wrong after the fault.
    await waitFor(() => stream.count(200) >= acceptedAtRecovery + rate * 3, { timeoutMs: 60_000, intervalMs: 50 }).catch(() => undefined);
    return { stream, outageMs };
  } finally {
    await stream.stop();
  }
}

function expectNothingLost(outcome: Outcome, pipeline: Pipeline): void {
  if (outcome.lost > 0 || outcome.deadLettered > 0 || outcome.deliveredCount !== outcome.deliveredMessages) console.log(pipeline.logs());
  expect({ lost: outcome.lost, deadLettered: outcome.deadLettered, spoolLeft: outcome.spoolLeft }).toEqual({
    lost: 0,
    deadLettered: 0,
    spoolLeft: 0,
  });
  // Applied once: the campaign counted each delivered message exactly once.
  expect(outcome.deliveredCount).toBe(outcome.deliveredMessages);
  expect(outcome.deliveredMessages).toBeGreaterThanOrEqual(outcome.accepted);
}

describe('faults: the pipeline while its broker, database or a worker fails', () => {
  let rabbit: DisposableRabbitMq | undefined;
  let postgres: DisposablePostgres | undefined;

  beforeAll(async () => {
    const [broker, database] = await Promise.allSettled([startDisposableRabbitMq(), startDisposablePostgres()]);
    rabbit = broker.status === 'fulfilled' ? broker.value : undefined;
    postgres = database.status === 'fulfilled' ? database.value : undefined;
    if (broker.status === 'rejected') throw broker.reason;
    if (database.status === 'rejected') throw database.reason;
  }, 180_000);

  afterEach(async () => {
    for (const pipeline of [...Pipeline.running]) await pipeline.close();
    // A case that failed mid-fault must not leave the next one without its broker or database.
    if (postgres && !postgres.running) await postgres.start();
    if (rabbit && !rabbit.running) await rabbit.start();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([rabbit?.remove(), postgres?.remove()]);
  }, 120_000);

  const servers = () => {
    if (!rabbit || !postgres) throw new Error('the disposable broker and database did not start');
    return { rabbit, postgres };
  };

  it('a: RabbitMQ stopped gracefully for 10 s under ~300 calls/s: nothing refused, nothing lost, counters exact', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const pipeline = await Pipeline.start(rabbit, postgres, { label: 'a' });
    await pipeline.seedCampaign(300 * 90);
    const { stream, outageMs } = await streamThroughFault(pipeline, 300, async () => {
      await rabbit.stop();
      await pause(10_000);
      await rabbit.start();
    });
    const outcome = await pipeline.streamOutcome(stream);
    report('a: broker stopped (graceful) 10 s, ~300 calls/s', outcome, { outageMs, caseMs: Date.now() - caseStarted });

    expect(outcome.refusals).toEqual({});
    expect(outcome.spooled).toBeGreaterThan(0); // the outage met calls: the spool took them
    expectNothingLost(outcome, pipeline);
  }, 300_000);

  it('b: RabbitMQ killed (SIGKILL) and restarted under ~300 calls/s: nothing refused, nothing lost, counters exact', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const pipeline = await Pipeline.start(rabbit, postgres, { label: 'b' });
    await pipeline.seedCampaign(300 * 90);
    const { stream, outageMs } = await streamThroughFault(pipeline, 300, async () => {
      // RabbitMQ 3.10 writes a new quorum queue's Ra metadata to disk up to 5 s after the
      // declaration (dets auto-save); a SIGKILL before that empties the queue on restart. The
      // queues of a deployment are old: make ours old too, so that the kill tests our apps.
      await pause(Math.max(0, QUEUE_SETTLING_MS - (Date.now() - pipeline.queuesDeclaredAt)));
      await rabbit.kill();
      await pause(5_000);
      await rabbit.start();
    });
    const outcome = await pipeline.streamOutcome(stream);
    report('b: broker killed (SIGKILL), restarted after 5 s, ~300 calls/s', outcome, { outageMs, caseMs: Date.now() - caseStarted });

    expect(outcome.refusals).toEqual({});
    expect(outcome.spooled).toBeGreaterThan(0);
    expectNothingLost(outcome, pipeline);
  }, 300_000);

  it('c: PostgreSQL stopped for 60 s under ~100 calls/s, workers with a 1 s retry window: nothing refused, lost or dead-lettered', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const pipeline = await Pipeline.start(rabbit, postgres, {
      label: 'c',
      workerEnv: { RETRY_FIRST_DELAY_MS: '250', RETRY_WINDOW_MS: '1000' },
    });
    await pipeline.seedCampaign(100 * 150);
    const { stream, outageMs } = await streamThroughFault(pipeline, 100, async () => {
      await postgres.stop();
      await pause(60_000);
      await postgres.start();
    });
    const outcome = await pipeline.streamOutcome(stream);
    const staleServed = await pipeline.gatewayMetric('gateway_channel_stale_served_total');
    report(
      'c: PostgreSQL stopped 60 s, ~100 calls/s, RETRY_WINDOW_MS=1000',
      outcome,
      { outageMs, caseMs: Date.now() - caseStarted },
      `stale channel served ${staleServed}`,
    );

    expect(outcome.refusals).toEqual({});
    expectNothingLost(outcome, pipeline);
  }, 360_000);

  it('d: RabbitMQ and PostgreSQL both down: 503 and never another 5xx, and every call answered 200 is applied', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const pipeline = await Pipeline.start(rabbit, postgres, { label: 'd' });
    await pipeline.seedCampaign(100 * 120);
    const { stream, outageMs } = await streamThroughFault(pipeline, 100, async () => {
      await rabbit.stop();
      await postgres.stop();
      await pause(10_000);
      await postgres.start();
      await rabbit.start();
    });
    const outcome = await pipeline.streamOutcome(stream);
    report('d: broker and PostgreSQL down 10 s together, ~100 calls/s', outcome, { outageMs, caseMs: Date.now() - caseStarted });

    // While neither could take events every refusal is a 503, which providers retry.
    expect(outcome.refused).toBeGreaterThan(0);
    expect(outcome.refusals).toEqual({ '503': outcome.refused });
    // Spooled while only the broker was down, relayed once both were back.
    expect(outcome.spooled).toBeGreaterThan(0);
    expectNothingLost(outcome, pipeline);
  }, 300_000);

  it('e: a status worker killed (SIGKILL) three times while it drains a backlog: the next one loses nothing and counts nothing twice', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const backlog = 40_000;
    const perCall = 500;
    const pipeline = await Pipeline.start(rabbit, postgres, { label: 'e', workers: false });
    await pipeline.seedCampaign(backlog);

    // The backlog, through the gateway: 80 calls of 500 statuses, 4 at a time.
    const answers: number[] = [];
    for (let call = 0; call < backlog / perCall; call += 4) {
      const group = [call, call + 1, call + 2, call + 3].filter((n) => n < backlog / perCall);
      const statuses = await Promise.all(
        group.map((n) => pipeline.post(pipeline.notification(Array.from({ length: perCall }, (_, i) => n * perCall + i))).catch(() => 0)),
      );
      group.forEach((n, i) => (answers[n] = statuses[i]));
    }
    const accepted = answers.flatMap((status, n) => (status === 200 ? Array.from({ length: perCall }, (_, i) => n * perCall + i) : []));
    const refusals: Record<string, number> = {};
    for (const status of answers) if (status !== 200) refusals[String(status)] = (refusals[String(status)] ?? 0) + perCall;
    await waitFor(async () => (await pipeline.queueDepths())[STATUS_QUEUE] === accepted.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'the backlog on the queue',
    });

    // Killed three times, at a fifth, nearly half and seven tenths of the drain. The first
    // kill lands wherever the batches are. Before the other two, the worker's connection to
    // the broker is cut (a proxy that stops forwarding): the events it then commits are never
    // acknowledged, so the next worker certainly gets committed events again. A small prefetch
    // keeps the drain long enough.
    const proxy = new TcpProxy('127.0.0.1', rabbit.port);
    await proxy.start();
    const kills: Array<{ acksCut: boolean; applied: number; committedNotAcknowledged: number }> = [];
    try {
      for (const [share, acksCut] of [
        [0.2, false],
        [0.45, true],
        [0.7, true],
      ] as const) {
        proxy.restore();
        const worker = await pipeline.startWorker('status-worker', {
          PREFETCH_COUNT: '500',
          RABBITMQ_URL: pipeline.rabbitmqUrlThrough(proxy.port),
        });
        await waitFor(async () => (await pipeline.counters()).deliveredMessages >= backlog * share, {
          timeoutMs: 60_000,
          intervalMs: 20,
          description: `${share * 100} % applied`,
        });
        if (acksCut) {
          proxy.blackhole();
          // The worker applies what it already holds, then has nothing more to do.
          let previous = -1;
          await waitFor(
            async () => {
              const applied = (await pipeline.counters()).deliveredMessages;
              const still = applied === previous;
              previous = applied;
              return still;
            },
            { timeoutMs: 30_000, intervalMs: 500, description: 'the cut-off worker done with what it held' },
          );
        }
        worker.child.kill('SIGKILL');
        await worker.exited;
        await pause(1_000); // PostgreSQL rolls back the dead worker's open transaction
        const applied = (await pipeline.counters()).deliveredMessages;
        // What the dead worker held unacknowledged goes back on the queue, committed or not.
        const requeued = await waitFor(
          async () => {
            const depth = (await pipeline.queueDepths())[STATUS_QUEUE];
            return depth + applied >= accepted.length ? { depth } : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 250, description: 'the unacknowledged deliveries back on the queue' },
        ).catch(async () => ({ depth: (await pipeline.queueDepths())[STATUS_QUEUE] }));
        kills.push({ acksCut, applied, committedNotAcknowledged: requeued.depth + applied - accepted.length });
      }
    } finally {
      await proxy.stop();
    }

    await pipeline.startWorker('status-worker');
    const outcome = await pipeline.outcome(accepted, backlog, refusals);
    const killFigures = kills
      .map(
        (kill) =>
          `${kill.acksCut ? 'acks cut, ' : ''}${kill.applied} applied / ${kill.committedNotAcknowledged} committed but not acknowledged`,
      )
      .join('; ');
    report(
      'e: status worker killed three times mid-backlog (counts are events)',
      outcome,
      { caseMs: Date.now() - caseStarted },
      `at the kills: ${killFigures}`,
    );

    for (const kill of kills) expect(kill.applied).toBeLessThan(backlog); // each died with work in hand
    // The next worker got committed events again, and counted none of them twice (below).
    for (const kill of kills.filter((k) => k.acksCut)) expect(kill.committedNotAcknowledged).toBeGreaterThan(0);
    expect(outcome.refusals).toEqual({});
    expectNothingLost(outcome, pipeline);
    expect(outcome.deliveredCount).toBe(backlog);
  }, 300_000);

  it('f: a gateway alone on a fresh vhost answers 200 only for events on a queue, and the workers started later apply them all', async () => {
    const { rabbit, postgres } = servers();
    const caseStarted = Date.now();
    const calls = 500;
    const pipeline = await Pipeline.start(rabbit, postgres, { label: 'f', workers: false });
    await pipeline.seedCampaign(calls);
    const stream = pipeline.stream(100, calls).start();
    await stream.finished();
    const accepted = stream.numbersAnswered(200);

    // Nothing consumes yet: the queues hold exactly the events of the calls answered 200.
    const depths = await pipeline.queueDepths();
    expect({ statuses: depths[STATUS_QUEUE], inbound: depths[INBOUND_QUEUE] }).toEqual({
      statuses: accepted.length,
      inbound: accepted.filter((n) => n % INBOUND_EVERY === 0).length,
    });

    await Promise.all([pipeline.startWorker('status-worker'), pipeline.startWorker('inbound-worker')]);
    const outcome = await pipeline.streamOutcome(stream);
    report('f: gateway before any worker on a fresh vhost, ~100 calls/s', outcome, { caseMs: Date.now() - caseStarted });

    expect(outcome.refusals).toEqual({});
    expect(outcome.accepted).toBe(calls);
    expectNothingLost(outcome, pipeline);
  }, 180_000);
});

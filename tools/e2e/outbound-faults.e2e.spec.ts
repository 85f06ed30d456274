import { outboundEventId, type OutboundEventEnvelope, type OutboundEventType } from '@inbound/contracts';
import { createDataSource, CredentialsCipher } from '@inbound/domain';
import {
  type AppProcess,
  createIsolatedInfra,
  type DisposableRabbitMq,
  dropIsolatedInfra,
  freePort,
  type IsolatedInfra,
  killIfRunning,
  startBuiltApp,
  startDisposableRabbitMq,
  waitFor,
} from '@inbound/testing';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';

/**
 * The event dispatcher (docs/OUTBOUND.md) as deployed, built and run as processes, while it is killed and while its broker
 * goes away: outbox rows written as the workers write them, local subscribers that record every call. At-least-once is
 * the promise: every (subscription, event) arrives, a webhook-id always carries the same body, every outbox row ends
 * published and every delivery succeeded. Duplicates are allowed and reported as figures.
 */

const CREDENTIALS_KEY = randomBytes(32);
const cipher = new CredentialsCipher(CREDENTIALS_KEY);
/** Attempts get 2 s: the lease of a killed process's deliveries is then the 60 s minimum (max(60 s, 3 × 2 s)). */
const DELIVERY_TIMEOUT_MS = 2_000;
/** After the faults: the longest lease a dead process can leave (60 s), plus room for the retries and a busy machine. */
const SETTLE_TIMEOUT_MS = 100_000;
const ACCOUNTS = [randomUUID(), randomUUID()];
const EVENT_TYPES: OutboundEventType[] = ['message.received', 'message.sent', 'message.delivered', 'message.failed'];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface SubscriptionSpec {
  account: number;
  events: string[];
  /** Which receiver (0 or 1) its URL points at. */
  receiver: number;
}

/**
 * Four subscriptions on two receivers: both accounts have one for every type, and account 0 two narrower ones, so some
 * events go to three subscriptions, some to one, and a subscription must never get a type it did not ask for.
 */
const SUBSCRIPTIONS: SubscriptionSpec[] = [
  { account: 0, events: ['*'], receiver: 0 },
  { account: 0, events: ['message.received'], receiver: 1 },
  { account: 0, events: ['message.sent', 'message.delivered'], receiver: 0 },
  { account: 1, events: ['*'], receiver: 1 },
];

interface Subscription {
  id: string;
  accountId: string;
  events: string[];
  secret: string;
  path: string;
}

interface RecordedCall {
  subscriptionId: string;
  webhookId: string;
  body: string;
  signatureValid: boolean;
}

/** A subscriber's endpoint: answers 200 to everything and records who was called with what, and whether it was signed right. */
class RecordingReceiver {
  private readonly sockets = new Set<Socket>();
  private readonly byPath = new Map<string, Subscription>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly calls: RecordedCall[],
  ) {}

  static async start(calls: RecordedCall[]): Promise<RecordingReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new RecordingReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls);
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    server.on('request', (req, res) => receiver.handle(req, res));
    return receiver;
  }

  serve(subscription: Subscription): void {
    this.byPath.set(subscription.path, subscription);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const subscription = this.byPath.get(req.url ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      let signatureValid = false;
      if (subscription) {
        try {
          new Webhook(subscription.secret).verify(body, req.headers as Record<string, string>);
          signatureValid = true;
        } catch {
          signatureValid = false;
        }
      }
      this.calls.push({
        subscriptionId: subscription?.id ?? `unknown path ${req.url}`,
        webhookId: String(req.headers['webhook-id']),
        body,
        signatureValid,
      });
      res.writeHead(200).end('ok');
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One dispatcher replica: restarted as a new process after each kill, on a new health port. */
class DispatcherSlot {
  app?: AppProcess;
  private origin = '';
  starts = 0;
  /** Output tails of the processes this slot lost, for a failure's diagnosis. */
  readonly tails: string[] = [];

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  get alive(): boolean {
    return this.app !== undefined && this.app.child.exitCode === null && this.app.child.signalCode === null;
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.origin = `http://127.0.0.1:${port}`;
    this.app = startBuiltApp('event-dispatcher', { ...this.env, HEALTH_PORT: String(port) });
    this.starts += 1;
  }

  async isReady(timeoutMs = 500): Promise<boolean> {
    if (!this.alive) return false;
    return fetch(`${this.origin}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) })
      .then((response) => response.ok)
      .catch(() => false);
  }

  async ready(): Promise<void> {
    try {
      await waitFor(() => this.isReady(), { timeoutMs: 60_000, intervalMs: 100, description: `${this.name} to be ready` });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.tail()}`);
    }
  }

  async kill(): Promise<void> {
    const app = this.app;
    if (!app) return;
    await killIfRunning(app);
    this.tails.push(this.tail());
  }

  /** Graceful (SIGTERM), then SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const app = this.app;
    if (!app || !this.alive) return;
    app.child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      // No timer left behind once the process has gone (Jest waits for timers).
      const timer = setTimeout(resolve, 10_000);
      void app.exited.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await killIfRunning(app);
  }

  tail(characters = 1_500): string {
    if (!this.app) return '';
    const { stdout, stderr } = this.app.output();
    return `--- ${this.name} (start ${this.starts})\n${`${stdout}${stderr}`.slice(-characters)}`;
  }
}

interface Outcome {
  events: number;
  expectedPairs: number;
  calls: number;
  /** Expected (subscription, event) pairs never called. */
  missing: string[];
  /** Calls to a subscription for an event it does not want (or of an account not its own). */
  unexpected: string[];
  /** Calls beyond the first for one (subscription, webhook-id). */
  duplicateCalls: number;
  /** (subscription, webhook-id) pairs called more than once. */
  duplicatedPairs: number;
  /** webhook-ids seen with more than one body. */
  inconsistentBodies: string[];
  /** Bodies that are not the envelope the outbox row holds. */
  wrongBodies: string[];
  badSignatures: number;
  outboxRows: number;
  unpublished: number;
  deliveries: number;
  deliveriesByStatus: Record<string, number>;
  /** Expected pairs with no delivery row. */
  missingDeliveries: number;
  /** Deliveries attempted more than once (a kill between the call and the log write, or a lease that ran out). */
  deliveriesAttemptedAgain: number;
  attemptRows: number;
}

/**
 * One case's world: a database of its own (migrated), the subscriptions sealed with our CREDENTIALS_KEY as the admin API
 * seals them, two receivers, a writer of outbox rows, and the dispatcher processes.
 */
class OutboundRig {
  static readonly open = new Set<OutboundRig>();
  readonly calls: RecordedCall[] = [];
  readonly written = new Map<string, OutboundEventEnvelope>();
  readonly subscriptions: Subscription[] = [];
  readonly slots: DispatcherSlot[] = [];
  private receivers: RecordingReceiver[] = [];
  private writing?: Promise<void>;
  private writerStopped = false;

  private constructor(
    readonly infra: IsolatedInfra,
    readonly pool: Pool,
  ) {
    OutboundRig.open.add(this);
  }

  static async create(label: string): Promise<OutboundRig> {
    const infra = await createIsolatedInfra(label);
    const dataSource = createDataSource({ url: infra.databaseUrl, poolSize: 1 });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
    const pool = new Pool({ connectionString: infra.databaseUrl, max: 3 });
    // The database is dropped WITH (FORCE) at the end: an idle connection it ends must not fail the case.
    pool.on('error', () => undefined);
    const rig = new OutboundRig(infra, pool);
    rig.receivers = await Promise.all([RecordingReceiver.start(rig.calls), RecordingReceiver.start(rig.calls)]);
    for (const [index, spec] of SUBSCRIPTIONS.entries()) await rig.seedSubscription(index, spec);
    return rig;
  }

  /** Written as the admin API stores it: the secret sealed with the subscription id; short retries in case an attempt times out. */
  private async seedSubscription(index: number, spec: SubscriptionSpec): Promise<void> {
    const id = randomUUID();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const receiver = this.receivers[spec.receiver];
    const path = `/hooks/${index}`;
    await this.pool.query(
      `INSERT INTO webhook_subscriptions (id, account_id, url, events, secret, enabled, retry) VALUES ($1, $2, $3, $4, $5, true, $6)`,
      [
        id,
        ACCOUNTS[spec.account],
        `${receiver.origin}${path}`,
        spec.events,
        cipher.seal(id, { secret }),
        JSON.stringify({ max_attempts: 20, backoff_ms: [1_000, 2_000, 5_000] }),
      ],
    );
    const subscription = { id, accountId: ACCOUNTS[spec.account], events: spec.events, secret, path };
    this.subscriptions.push(subscription);
    receiver.serve(subscription);
  }

  /** Starts `count` dispatcher replicas on `rabbitmqUrl` (not waiting for them to be ready). */
  async startDispatchers(count: number, rabbitmqUrl: string): Promise<void> {
    const env = {
      DATABASE_URL: this.infra.databaseUrl,
      RABBITMQ_URL: rabbitmqUrl,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64'),
      OUTBOUND_ALLOW_PRIVATE_URLS: 'true',
      OUTBOX_POLL_MS: '50',
      DELIVERY_POLL_MS: '250',
      DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '4',
      PREFETCH_COUNT: '100',
    };
    for (let i = 0; i < count; i += 1) {
      const slot = new DispatcherSlot(`dispatcher ${i}`, env);
      this.slots.push(slot);
      await slot.start();
    }
  }

  /** Inserts outbox rows as the workers do, `perSecond` of them (by the clock, however slow the inserts), until stopWriter(). */
  startWriter(perSecond: number): void {
    const started = Date.now();
    let writtenHere = 0;
    const loop = async () => {
      while (!this.writerStopped) {
        const count = Math.floor(((Date.now() - started) * perSecond) / 1000) - writtenHere;
        if (count > 0) {
          await this.writeEvents(count);
          writtenHere += count;
        }
        await pause(100);
      }
    };
    this.writing = loop();
  }

  async stopWriter(): Promise<void> {
    this.writerStopped = true;
    await this.writing;
  }

  private async writeEvents(count: number): Promise<void> {
    const envelopes: OutboundEventEnvelope[] = Array.from({ length: count }, () => {
      const type = EVENT_TYPES[randomInt(EVENT_TYPES.length)];
      const messageId = randomUUID();
      return {
        id: outboundEventId(messageId, type),
        type,
        created_at: new Date().toISOString(),
        account_id: ACCOUNTS[randomInt(ACCOUNTS.length)],
        data: { message_id: messageId, note: `event ${this.written.size}` },
      };
    });
    await this.pool.query(
      `INSERT INTO outbox_events (id, account_id, type, payload)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])`,
      [
        envelopes.map((envelope) => envelope.id),
        envelopes.map((envelope) => envelope.account_id),
        envelopes.map((envelope) => envelope.type),
        envelopes.map((envelope) => JSON.stringify(envelope)),
      ],
    );
    for (const envelope of envelopes) this.written.set(envelope.id, envelope);
  }

  async unpublished(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`);
    return rows[0].n;
  }

  /** "subscription event" for every pair that must be delivered. */
  expectedPairs(): Set<string> {
    const pairs = new Set<string>();
    for (const envelope of this.written.values()) {
      for (const subscription of this.subscriptions) {
        if (subscription.accountId !== envelope.account_id) continue;
        if (subscription.events.includes('*') || subscription.events.includes(envelope.type))
          pairs.add(`${subscription.id} ${envelope.id}`);
      }
    }
    return pairs;
  }

  async outcome(): Promise<Outcome> {
    const expected = this.expectedPairs();
    const callsPerPair = new Map<string, number>();
    const bodies = new Map<string, Set<string>>();
    const wrongBodies = new Set<string>();
    let badSignatures = 0;
    for (const call of [...this.calls]) {
      const pair = `${call.subscriptionId} ${call.webhookId}`;
      callsPerPair.set(pair, (callsPerPair.get(pair) ?? 0) + 1);
      let seen = bodies.get(call.webhookId);
      if (!seen) bodies.set(call.webhookId, (seen = new Set()));
      seen.add(call.body);
      if (!call.signatureValid) badSignatures += 1;
      const envelope = this.written.get(call.webhookId);
      let parsed: unknown;
      try {
        parsed = JSON.parse(call.body);
      } catch {
        parsed = undefined;
      }
      if (!envelope || !isDeepStrictEqual(parsed, envelope)) wrongBodies.add(call.webhookId);
    }
    const duplicates = [...callsPerPair.values()].filter((n) => n > 1);

    const [outbox] = (
      await this.pool.query<{ total: number; unpublished: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished FROM outbox_events`,
      )
    ).rows;
    const { rows: deliveries } = await this.pool.query<{ subscription_id: string; event_id: string; status: string; attempts: number }>(
      `SELECT subscription_id, event_id, status, attempts FROM webhook_deliveries`,
    );
    const deliveryPairs = new Set(deliveries.map((row) => `${row.subscription_id} ${row.event_id}`));
    const deliveriesByStatus: Record<string, number> = {};
    for (const row of deliveries) deliveriesByStatus[row.status] = (deliveriesByStatus[row.status] ?? 0) + 1;
    const [{ n: attemptRows }] = (await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_delivery_attempts`)).rows;

    return {
      events: this.written.size,
      expectedPairs: expected.size,
      calls: this.calls.length,
      missing: [...expected].filter((pair) => !callsPerPair.has(pair)),
      unexpected: [...callsPerPair.keys()].filter((pair) => !expected.has(pair)),
      duplicateCalls: duplicates.reduce((sum, n) => sum + n - 1, 0),
      duplicatedPairs: duplicates.length,
      inconsistentBodies: [...bodies].filter(([, set]) => set.size > 1).map(([id]) => id),
      wrongBodies: [...wrongBodies],
      badSignatures,
      outboxRows: outbox.total,
      unpublished: outbox.unpublished,
      deliveries: deliveries.length,
      deliveriesByStatus,
      missingDeliveries: [...expected].filter((pair) => !deliveryPairs.has(pair)).length,
      deliveriesAttemptedAgain: deliveries.filter((row) => row.attempts > 1).length,
      attemptRows,
    };
  }

  /** Waits (at most `timeoutMs`) for every row published and every expected pair called and succeeded; the assertions say what is off. */
  async settle(timeoutMs: number): Promise<{ settled: boolean; ms: number }> {
    const started = Date.now();
    const settled = await waitFor(
      async () => {
        const outcome = await this.outcome();
        return (
          outcome.unpublished === 0 &&
          outcome.missing.length === 0 &&
          outcome.missingDeliveries === 0 &&
          outcome.deliveries === (outcome.deliveriesByStatus.succeeded ?? 0)
        );
      },
      { timeoutMs, intervalMs: 1_000, description: 'every event delivered' },
    )
      .then(() => true)
      .catch(() => false);
    return { settled, ms: Date.now() - started };
  }

  logs(): string {
    return this.slots.map((slot) => [...slot.tails.slice(-2), slot.tail()].join('\n')).join('\n');
  }

  async close(): Promise<void> {
    OutboundRig.open.delete(this);
    this.writerStopped = true;
    await this.writing?.catch(() => undefined);
    await Promise.all(this.slots.map((slot) => slot.stop()));
    await Promise.all(this.receivers.map((receiver) => receiver.close()));
    await this.pool.end().catch(() => undefined);
    await dropIsolatedInfra(this.infra).catch(() => undefined);
  }
}

function expectEverythingDelivered(outcome: Outcome, rig: OutboundRig): void {
  const problems = {
    missing: outcome.missing.length,
    missingDeliveries: outcome.missingDeliveries,
    unexpected: outcome.unexpected.length,
    inconsistentBodies: outcome.inconsistentBodies.length,
    wrongBodies: outcome.wrongBodies.length,
    badSignatures: outcome.badSignatures,
    unpublished: outcome.unpublished,
  };
  if (Object.values(problems).some((n) => n > 0) || outcome.deliveries !== outcome.deliveriesByStatus.succeeded) {
    console.log(
      `[outbound-faults] examples: missing ${outcome.missing.slice(0, 5).join(', ')}; unexpected ${outcome.unexpected.slice(0, 5).join(', ')}; ` +
        `inconsistent ${outcome.inconsistentBodies.slice(0, 3).join(', ')}; wrong bodies ${outcome.wrongBodies.slice(0, 3).join(', ')}\n${rig.logs()}`,
    );
  }
  expect(problems).toEqual({
    missing: 0,
    missingDeliveries: 0,
    unexpected: 0,
    inconsistentBodies: 0,
    wrongBodies: 0,
    badSignatures: 0,
    unpublished: 0,
  });
  expect(outcome.outboxRows).toBe(outcome.events);
  expect(outcome.deliveriesByStatus).toEqual({ succeeded: outcome.expectedPairs });
}

function report(title: string, outcome: Outcome, extra: string): void {
  console.log(
    `[outbound-faults] ${title}: ${outcome.events} events, ${outcome.expectedPairs} (subscription, event) pairs, ${outcome.calls} calls, ` +
      `duplicates ${outcome.duplicateCalls} calls over ${outcome.duplicatedPairs} pairs, deliveries attempted more than once ` +
      `${outcome.deliveriesAttemptedAgain}, attempt rows ${outcome.attemptRows}, missing ${outcome.missing.length}, ` +
      `deliveries ${JSON.stringify(outcome.deliveriesByStatus)}, unpublished ${outcome.unpublished}; ${extra}`,
  );
}

describe('outbound faults: the built event dispatcher killed, and its broker restarted, while events flow', () => {
  afterEach(async () => {
    for (const rig of [...OutboundRig.open]) await rig.close();
  }, 60_000);

  it('two dispatchers SIGKILLed 50 times while ~25 events/s are written: every event reaches every subscription that wants it', async () => {
    const started = Date.now();
    const rig = await OutboundRig.create('outbound_kills');
    const rabbitmqUrl = rig.infra.rabbitmqUrl;
    await rig.startDispatchers(2, rabbitmqUrl);
    await Promise.all(rig.slots.map((slot) => slot.ready()));

    rig.startWriter(25);
    const kills = { moments: 0, processes: 0, both: 0, ofReady: 0 };
    try {
      await waitFor(() => rig.calls.length >= 50, { timeoutMs: 30_000, intervalMs: 50, description: 'webhooks flowing' });
      while (kills.moments < 50) {
        await pause(500 + randomInt(2_200));
        const both = randomInt(100) < 15;
        const victims = both ? rig.slots : [rig.slots[randomInt(rig.slots.length)]];
        const wasReady = await Promise.all(victims.map((slot) => slot.isReady(200)));
        await Promise.all(victims.map((slot) => slot.kill()));
        kills.moments += 1;
        kills.processes += victims.length;
        kills.both += both ? 1 : 0;
        kills.ofReady += wasReady.filter(Boolean).length;
        await Promise.all(victims.map((slot) => slot.start()));
      }
    } finally {
      await rig.stopWriter();
    }
    const killPhaseMs = Date.now() - started;
    await Promise.all(rig.slots.map((slot) => slot.ready()));
    const { settled, ms } = await rig.settle(SETTLE_TIMEOUT_MS);
    const outcome = await rig.outcome();
    report(
      'SIGKILL x50',
      outcome,
      `${kills.moments} kill moments (${kills.both} of both at once), ${kills.processes} processes killed (${kills.ofReady} of them ready), ` +
        `${rig.slots.reduce((sum, slot) => sum + slot.starts, 0)} processes started; kill phase ${seconds(killPhaseMs)} s, ` +
        `settled ${settled} after ${seconds(ms)} s more, case ${seconds(Date.now() - started)} s`,
    );

    expect(kills.processes).toBeGreaterThanOrEqual(50);
    expect(outcome.events).toBeGreaterThanOrEqual(1_500);
    expectEverythingDelivered(outcome, rig);
  }, 330_000);

  describe('with a broker of its own', () => {
    let rabbit: DisposableRabbitMq | undefined;

    beforeAll(async () => {
      rabbit = await startDisposableRabbitMq();
    }, 180_000);

    afterAll(async () => {
      await rabbit?.remove();
    }, 120_000);

    it('RabbitMQ stopped for 5 s and started again mid-flow: nothing lost, the same processes carry on', async () => {
      if (!rabbit) throw new Error('the disposable broker did not start');
      const broker = rabbit;
      const started = Date.now();
      const rig = await OutboundRig.create('outbound_restart');
      const rabbitmqUrl = await broker.addVhost(rig.infra.vhost);
      await rig.startDispatchers(2, rabbitmqUrl);
      await Promise.all(rig.slots.map((slot) => slot.ready()));
      const pids = rig.slots.map((slot) => slot.app?.child.pid);

      rig.startWriter(30);
      let unpublishedAtRestart = 0;
      let outageMs = 0;
      try {
        await waitFor(() => rig.calls.length >= 100, { timeoutMs: 30_000, intervalMs: 50, description: 'webhooks flowing' });
        const outageStarted = Date.now();
        await broker.stop();
        await pause(5_000);
        // Written while the broker was away: the relay must still hold them.
        unpublishedAtRestart = await rig.unpublished();
        await broker.start();
        outageMs = Date.now() - outageStarted;
        const callsAtRestart = rig.calls.length;
        // Not a failure by itself: the outcome below says what did not come through.
        await waitFor(() => rig.calls.length >= callsAtRestart + 200, { timeoutMs: 60_000, intervalMs: 100 }).catch(() => undefined);
      } finally {
        await rig.stopWriter();
      }
      const { settled, ms } = await rig.settle(SETTLE_TIMEOUT_MS);
      const outcome = await rig.outcome();
      report(
        'broker stopped 5 s',
        outcome,
        `outage ${seconds(outageMs)} s, ${unpublishedAtRestart} rows unpublished when it came back, settled ${settled} after ${seconds(ms)} s, ` +
          `case ${seconds(Date.now() - started)} s`,
      );

      // The outage met the flow, and the relay kept what it could not get confirmed.
      expect(unpublishedAtRestart).toBeGreaterThan(0);
      // The consumers and the relay came back on their own: the same processes, never restarted.
      expect(rig.slots.map((slot) => (slot.alive ? slot.app?.child.pid : 'exited'))).toEqual(pids);
      expectEverythingDelivered(outcome, rig);
    }, 330_000);
  });
});

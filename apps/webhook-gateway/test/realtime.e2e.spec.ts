import { PLATFORM_EVENTS_EXCHANGE } from '@inbound/contracts';
import { waitFor } from '@inbound/testing';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DataSource, QueryRunner } from 'typeorm';
import { WebSocket } from 'ws';
import { RealtimeFeed } from '../src/app/realtime/realtime-feed';
import { RealtimeTokens } from '../src/app/realtime/realtime-tokens';
import { migratedDataSource, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-realtime-0123456789';
const run = promisify(execFile);

interface Frame {
  type: string;
  seq?: number;
  event?: { id: string; account_id: string; type: string; data: Record<string, unknown> };
}

/** A socket of the stream and every frame it got, parsed. */
class Client {
  readonly frames: Frame[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve((this.closeCode = code))));
  }

  get events(): Frame[] {
    return this.frames.filter((frame) => frame.type === 'event');
  }

  get ready(): Frame | undefined {
    return this.frames.find((frame) => frame.type === 'ready');
  }
}

/**
 * The realtime stream of the gateway in this process, against the run's PostgreSQL and RabbitMQ. The relay's part (an
 * outbox row stamped with a seq, published to platform.events with its seq and account) is played by the test, so it can
 * also publish before it commits, the window a resume must not lose.
 */
describe('realtime stream (/realtime)', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  const clients: Client[] = [];

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN });
    connection = await connect(process.env.RABBITMQ_URL as string);
    channel = await connection.createConfirmChannel();
    await channel.assertExchange(PLATFORM_EVENTS_EXCHANGE, 'topic', { durable: true });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });

  afterAll(async () => {
    await connection?.close();
    await gateway?.stop();
    await dataSource?.destroy();
  });

  const token = async (accountId: string, ttlSeconds?: number): Promise<string> => {
    const response = await fetch(`${gateway.baseUrl}/realtime/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: accountId, ...(ttlSeconds ? { ttl_seconds: ttlSeconds } : {}) }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { token: string }).token;
  };

  const open = async (): Promise<Client> => {
    const socket = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/realtime`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const client = new Client(socket);
    clients.push(client);
    return client;
  };

  /** Connects, says hello and waits for `ready`. */
  const subscribe = async (accountId: string, lastSeq?: number): Promise<Client> => {
    const client = await open();
    client.socket.send(
      JSON.stringify({ type: 'hello', token: await token(accountId), ...(lastSeq !== undefined ? { last_seq: lastSeq } : {}) }),
    );
    await waitFor(() => client.ready, { description: 'ready' });
    return client;
  };

  /** Stamps an outbox row as the relay does (in `runner`'s transaction when given) and publishes it. Returns its seq. */
  async function relay(accountId: string, options: { runner?: QueryRunner; payloadBytes?: number } = {}): Promise<number> {
    const id = randomUUID();
    const envelope = {
      id,
      type: 'message.received',
      created_at: new Date().toISOString(),
      account_id: accountId,
      data: { message_id: randomUUID(), filler: 'x'.repeat(options.payloadBytes ?? 0) },
    };
    const query = (options.runner ?? dataSource).query.bind(options.runner ?? dataSource);
    const [{ seq }] = await query(
      `INSERT INTO outbox_events (id, account_id, type, payload, published_at, seq)
       VALUES ($1, $2, 'message.received', $3, now(), nextval('outbox_events_publish_seq')) RETURNING seq::int AS seq`,
      [id, accountId, JSON.stringify(envelope)],
    );
    channel.publish(PLATFORM_EVENTS_EXCHANGE, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      messageId: id,
      headers: { 'x-outbox-seq': String(seq), 'x-account-id': accountId },
    });
    await channel.waitForConfirms();
    return seq;
  }

  describe('tokens', () => {
    it('mints a token for an account behind the admin token, and refuses bad input naming the field', async () => {
      const response = await fetch(`${gateway.baseUrl}/realtime/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: randomUUID(), ttl_seconds: 60 }),
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { token: string; expires_at: string };
      expect(body.token).toMatch(/^rt1\./);
      expect(Date.parse(body.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);

      for (const [payload, field] of [
        [{ account_id: 'nope' }, 'account_id'],
        [{ account_id: randomUUID(), ttl_seconds: 0 }, 'ttl_seconds'],
        [{ account_id: randomUUID(), ttl_seconds: 10 ** 9 }, 'ttl_seconds'],
      ] as const) {
        const refused = await fetch(`${gateway.baseUrl}/realtime/tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as { field?: string }).field).toBe(field);
      }
      const anonymous = await fetch(`${gateway.baseUrl}/realtime/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: randomUUID() }),
      });
      expect(anonymous.status).toBe(401);
    });

    it('closes with 4401 on a bad, forged, expired or missing token, or a first frame that is not a hello', async () => {
      const expired = new RealtimeTokens(gateway.config).mint(randomUUID(), 1, Date.now() - 10_000).token;
      const forged = `${(await token(randomUUID())).slice(0, -4)}AAAA`;
      const firstFrames = [
        JSON.stringify({ type: 'hello', token: 'rt1.bad.token' }),
        JSON.stringify({ type: 'hello', token: forged }),
        JSON.stringify({ type: 'hello', token: expired }),
        JSON.stringify({ type: 'hello' }),
        JSON.stringify({ type: 'subscribe', token: await token(randomUUID()) }),
        JSON.stringify({ type: 'hello', token: await token(randomUUID()), last_seq: -1 }),
        'not json',
      ];
      for (const frame of firstFrames) {
        const client = await open();
        client.socket.send(frame);
        expect(await client.closed).toBe(4401);
        expect(client.events).toHaveLength(0);
      }
    });

    it('closes a socket that says nothing within 5 s with 4401', async () => {
      const client = await open();
      expect(await client.closed).toBe(4401);
    }, 15_000);
  });

  it('answers an upgrade on any other path 404, and a socket that then fails does not take the gateway down', async () => {
    // A real client on another path: 404 and the connection closed.
    const answer = await new Promise<number | undefined>((resolve, reject) => {
      const socket = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/elsewhere`);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('open', () => reject(new Error('upgraded on another path')));
    });
    expect(answer).toBe(404);
    // Node takes its own 'error' listener off a socket it hands to 'upgrade': one that then fails (a reset while the 404
    // is written) must find another, or the 'error' ends the process.
    const socket = new PassThrough();
    const request = { url: '/elsewhere', headers: { upgrade: 'h2c' } } as unknown as IncomingMessage;
    (gateway.app.getHttpServer() as Server).emit('upgrade', request, socket, Buffer.alloc(0));
    expect(() => socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).not.toThrow();
  });

  it('binds a new queue and goes on when the broker cancels its consumer (its queue deleted)', async () => {
    const vhost = decodeURIComponent(new URL(process.env.RABBITMQ_URL as string).pathname.slice(1));
    const feed = gateway.app.get(RealtimeFeed);
    const deleted = feed.queueName as string;
    expect(deleted).toMatch(/^amq\.gen-/);
    await run('rabbitmqctl', ['delete_queue', '-p', vhost, deleted]);
    await waitFor(() => feed.isConnected && feed.queueName !== undefined && feed.queueName !== deleted, {
      timeoutMs: 20_000,
      description: 'the feed bound to a new queue',
    });
    const account = randomUUID();
    const client = await subscribe(account);
    const seq = await relay(account);
    await waitFor(() => client.events.some((frame) => frame.seq === seq), { description: 'the event, live' });
  });

  it('sends a socket its account’s events only, in seq order, after ready', async () => {
    const [mine, theirs] = [randomUUID(), randomUUID()];
    const client = await subscribe(mine);
    const expected: number[] = [];
    for (let n = 0; n < 6; n++) {
      expected.push(await relay(mine));
      await relay(theirs);
    }
    await waitFor(() => client.events.length === 6, { description: 'six events' });
    expect(client.events.map((frame) => frame.seq)).toEqual(expected);
    expect(client.events.every((frame) => frame.event?.account_id === mine)).toBe(true);
    expect(client.frames.findIndex((frame) => frame.type === 'ready')).toBe(0);
  });

  it('resumes after last_seq from the outbox, then says ready, then goes live: no gap, no duplicate, in order', async () => {
    const account = randomUUID();
    const seqs: number[] = [];
    for (let n = 0; n < 5; n++) seqs.push(await relay(account));
    const client = await subscribe(account, seqs[1]);
    expect(client.events.map((frame) => frame.seq)).toEqual(seqs.slice(2));
    expect(client.ready?.seq).toBe(seqs[4]);
    const later = await relay(account);
    await waitFor(() => client.events.length === 4);
    expect(client.events.map((frame) => frame.seq)).toEqual([...seqs.slice(2), later]);
    expect(client.frames.map((frame) => frame.type)).toEqual(['event', 'event', 'event', 'ready', 'event']);
  });

  it('does not lose an event published before its outbox row commits (seq is not commit order)', async () => {
    const account = randomUUID();
    const first = await relay(account);
    // The relay published this one, but its transaction has not committed when the client resumes.
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const uncommitted = await relay(account, { runner });
    await waitFor(async () => (await gateway.app.get(RealtimeFeed).recentAfter(account, first)).length === 1);
    const client = await subscribe(account, first);
    await runner.commitTransaction();
    await runner.release();
    const after = await relay(account);
    await waitFor(() => client.events.length === 2);
    expect(client.events.map((frame) => frame.seq)).toEqual([uncommitted, after]);
  });

  it('asks for a resync when last_seq is older than what the outbox keeps', async () => {
    const account = randomUUID();
    const old = await relay(account);
    await dataSource.query(`DELETE FROM outbox_events WHERE seq <= $1`, [old]);
    const kept = await relay(account);
    const client = await subscribe(account, old - 1);
    expect(client.frames[0]).toEqual({ type: 'resync_required' });
    expect(client.ready?.seq).toBe(kept);
    expect(client.events).toHaveLength(0);
  });

  it('closes a client that stops reading with 4408, and the others keep getting every event', async () => {
    const account = randomUUID();
    const slow = await subscribe(account);
    const healthy = await subscribe(account);
    (slow.socket as unknown as { _socket: Socket })._socket.pause();
    const published: number[] = [];
    // Enough to fill the kernel's socket buffers on both sides (several MB on loopback) and then the server's limit.
    for (let n = 0; n < 300; n++) published.push(await relay(account, { payloadBytes: 64_000 }));
    // It reads again: what was queued before the close frame, then the close frame.
    (slow.socket as unknown as { _socket: Socket })._socket.resume();
    expect(await slow.closed).toBe(4408);
    expect(slow.events.length).toBeLessThan(300);
    await waitFor(() => healthy.events.length === 300, { timeoutMs: 20_000, description: 'the healthy client’s 300 events' });
    expect(healthy.events.map((frame) => frame.seq)).toEqual(published);
  });

  it('closes with 4408 a client that stopped reading before its buffers fill, keeps an idle one, and says 1001 to it when the gateway stops', async () => {
    const quick = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, REALTIME_HEARTBEAT_MS: '300' });
    let stopped = false;
    try {
      await waitFor(() => quick.app.get(RealtimeFeed).isConnected, { description: 'the new replica bound to platform.events' });
      const account = randomUUID();
      const socket = new WebSocket(`${quick.baseUrl.replace('http', 'ws')}/realtime`);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const client = new Client(socket);
      clients.push(client);
      const minted = new RealtimeTokens(quick.config).mint(account, 60).token;
      socket.send(JSON.stringify({ type: 'hello', token: minted }));
      await waitFor(() => client.ready);
      (socket as unknown as { _socket: Socket })._socket.pause();
      await relay(account);
      await waitFor(() => quick.app.get(RealtimeFeed).recentAfter(account, 0).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      (socket as unknown as { _socket: Socket })._socket.resume();
      expect(await client.closed).toBe(4408);
      // An idle client that answers its pings stays.
      const idle = new Client(new WebSocket(`${quick.baseUrl.replace('http', 'ws')}/realtime`));
      clients.push(idle);
      await new Promise((resolve) => idle.socket.once('open', resolve));
      idle.socket.send(JSON.stringify({ type: 'hello', token: new RealtimeTokens(quick.config).mint(account, 60).token }));
      await waitFor(() => idle.ready);
      await waitFor(() => idle.frames.filter((frame) => frame.type === 'heartbeat').length >= 3);
      expect(idle.closeCode).toBeUndefined();
      // Stopping the gateway says goodbye to open sockets instead of waiting on them.
      await quick.stop();
      stopped = true;
      expect(await idle.closed).toBe(1001);
    } finally {
      if (!stopped) await quick.stop();
    }
  }, 60_000);

  it('never sends a frame of another account, whatever the accounts, events and resumes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        async (eventAccounts, resumers) => {
          const accounts = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
          const before = await relay(accounts[0]);
          const listening = await Promise.all(accounts.map((account) => subscribe(account)));
          const resuming = await Promise.all(resumers.map((index) => subscribe(accounts[index], before)));
          const expected = accounts.map(() => [] as number[]);
          for (const index of eventAccounts) expected[index].push(await relay(accounts[index]));
          await waitFor(() => listening.every((client, index) => client.events.length === expected[index].length));
          listening.forEach((client, index) => {
            expect(client.events.map((frame) => frame.seq)).toEqual(expected[index]);
            expect(client.events.every((frame) => frame.event?.account_id === accounts[index])).toBe(true);
          });
          for (const [n, index] of resumers.entries()) {
            const client = resuming[n];
            const own = index === 0 ? [before, ...expected[0]].filter((seq) => seq > before) : expected[index];
            await waitFor(() => client.events.length === own.length);
            expect(client.events.every((frame) => frame.event?.account_id === accounts[index])).toBe(true);
          }
          for (const client of [...listening, ...resuming]) client.socket.terminate();
        },
      ),
      { numRuns: 15 },
    );
  }, 60_000);
});

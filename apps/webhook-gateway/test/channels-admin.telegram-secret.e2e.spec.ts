import { Channel, CredentialsCipher } from '@inbound/domain';
import { FakeBotApi } from '@inbound/testing';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { ChannelDirectory } from '../src/app/webhooks/channel-directory';
import {
  ACCOUNT_ID,
  CREDENTIALS_KEY,
  migratedDataSource,
  startGateway,
  type RunningGateway,
  adminApi,
  type Json,
} from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const NEW_BOT_TOKEN = '987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDxyz';
/** The channel cache's lifetime on other replicas (webhooks.module.ts). */
const CHANNEL_CACHE_MS = 30_000;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

/**
 * Stands between the gateway and the fake Bot API and forwards every call, except that
 * `holdNext(method)` keeps the next call of that method waiting until `release()`: a test can
 * change the channel while a registration is in flight.
 */
class BotApiGate {
  url = '';
  private server?: Server;
  private methodToHold?: string;
  private readonly held: Array<{ body: Json; resume: () => void }> = [];
  private readonly waitingForHeld: Array<() => void> = [];

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      void (async () => {
        const text = await readBody(request);
        const method = /\/(\w+)$/.exec(request.url ?? '')?.[1];
        if (method !== undefined && method === this.methodToHold) {
          this.methodToHold = undefined;
          await new Promise<void>((resume) => {
            this.held.push({ body: JSON.parse(text) as Json, resume });
            for (const wake of this.waitingForHeld.splice(0)) wake();
          });
        }
        const answer = await fetch(`${this.target}${request.url}`, {
          method: 'POST',
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(await answer.text());
      })().catch(() => {
        response.writeHead(502);
        response.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  holdNext(method: string): void {
    this.methodToHold = method;
  }

  /** The body of the call being held, once it arrived. */
  async heldCall(): Promise<Json> {
    if (this.held.length === 0) await new Promise<void>((wake) => this.waitingForHeld.push(wake));
    return this.held[0].body;
  }

  release(): void {
    for (const call of this.held.splice(0)) call.resume();
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('Telegram webhook secret: kept on retries, rotated with the bot token, changes merged', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let telegram: FakeBotApi;
  let gate: BotApiGate;
  const cipher = new CredentialsCipher(CREDENTIALS_KEY);

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    telegram = new FakeBotApi();
    await telegram.start();
    gate = new BotApiGate(telegram.url);
    await gate.start();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, TELEGRAM_API_BASE_URL: gate.url });
  });

  afterAll(async () => {
    await gateway?.stop();
    await gate?.stop();
    await telegram?.stop();
    await dataSource?.destroy();
  });

  const api = adminApi(() => gateway, ADMIN_TOKEN);
  const createTelegram = (name = 'telegram channel') =>
    api('POST', '/channels', { account_id: ACCOUNT_ID, channel_type: 'telegram', name, credentials: { bot_token: BOT_TOKEN } });
  const registerWebhook = (id: string) => api('POST', `/channels/${id}/register-webhook`);
  const patch = (id: string, body: Json) => api('PATCH', `/channels/${id}`, body);
  const storedCredentials = async (id: string) =>
    cipher.open(id, (await dataSource.getRepository(Channel).findOneByOrFail({ id })).credentials);
  const lastSetWebhook = () => {
    const call = telegram.callsOf('setWebhook').at(-1);
    if (!call) throw new Error('Telegram was never asked to set a webhook');
    return call;
  };
  const postTelegram = (id: string, secret: string) =>
    fetch(`${gateway.baseUrl}/webhooks/telegram/${id}`, {
      method: 'POST',
      body: JSON.stringify({
        update_id: 1,
        message: {
          message_id: 1,
          from: { id: 42, is_bot: false, first_name: 'Ada' },
          chat: { id: 42, type: 'private' },
          date: 1735689600,
          text: 'hi',
        },
      }),
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    }).then((response) => response.status);
  const randomSecret = () => randomBytes(36).toString('base64url');

  it('register-webhook twice tells Telegram the stored secret both times, which keeps opening the webhook', async () => {
    const { body } = await createTelegram();
    const secret = String((await storedCredentials(body.id)).webhook_secret);
    expect(lastSetWebhook().body.secret_token).toBe(secret);
    const before = telegram.callsOf('setWebhook').length;

    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
    }
    expect(
      telegram
        .callsOf('setWebhook')
        .slice(before)
        .map((call) => call.body.secret_token),
    ).toEqual([secret, secret]);
    expect((await storedCredentials(body.id)).webhook_secret).toBe(secret);
    expect(await postTelegram(body.id, secret)).toBe(200);
  });

  it('a PATCH of other credentials registers again with the stored secret', async () => {
    const { body } = await createTelegram();
    const secret = String((await storedCredentials(body.id)).webhook_secret);
    const before = telegram.callsOf('setWebhook').length;

    expect(await patch(body.id, { credentials: { note: 'support bot' } })).toMatchObject({
      status: 200,
      body: { webhook: { status: 'registered' } },
    });
    expect(
      telegram
        .callsOf('setWebhook')
        .slice(before)
        .map((call) => call.body.secret_token),
    ).toEqual([secret]);
    const stored = await storedCredentials(body.id);
    expect(stored).toEqual({ bot_token: BOT_TOKEN, note: 'support bot', webhook_secret: secret });
    expect(await postTelegram(body.id, secret)).toBe(200);
  });

  it('a new bot token rotates the secret; the old one opens the webhook until it expires, a random one never', async () => {
    const { body } = await createTelegram();
    const oldSecret = String((await storedCredentials(body.id)).webhook_secret);
    expect(await postTelegram(body.id, oldSecret)).toBe(200); // cached by this replica

    const patchedAt = Date.now();
    expect(await patch(body.id, { credentials: { bot_token: NEW_BOT_TOKEN } })).toMatchObject({
      status: 200,
      body: { webhook: { status: 'registered' } },
    });
    expect(lastSetWebhook().token).toBe(NEW_BOT_TOKEN);
    const newSecret = String(lastSetWebhook().body.secret_token);
    expect(newSecret).not.toBe(oldSecret);
    const stored = await storedCredentials(body.id);
    expect(stored).toMatchObject({ bot_token: NEW_BOT_TOKEN, webhook_secret: newSecret, previous_webhook_secret: oldSecret });
    // The overlap outlasts the channel cache of every other replica.
    expect(Date.parse(String(stored.previous_webhook_secret_expires_at))).toBeGreaterThan(patchedAt + CHANNEL_CACHE_MS);

    expect(await postTelegram(body.id, newSecret)).toBe(200);
    expect(await postTelegram(body.id, oldSecret)).toBe(200);
    expect(await postTelegram(body.id, randomSecret())).toBe(401);

    // Past the expiry (set in the stored row; this replica's cached copy dropped) only the new secret opens it.
    const row = await dataSource.getRepository(Channel).findOneByOrFail({ id: body.id });
    const expired = { ...stored, previous_webhook_secret_expires_at: new Date(Date.now() - 1000).toISOString() };
    await dataSource.getRepository(Channel).update({ id: body.id }, { credentials: cipher.seal(row.id, expired) });
    gateway.app.get(ChannelDirectory).invalidate(body.id);
    expect(await postTelegram(body.id, oldSecret)).toBe(401);
    expect(await postTelegram(body.id, newSecret)).toBe(200);
  });

  it('stores the secret before Telegram is asked to use it', async () => {
    const name = `stored first ${randomSecret()}`;
    gate.holdNext('setWebhook');
    const creating = createTelegram(name);
    const held = await gate.heldCall();
    try {
      const row = await dataSource.getRepository(Channel).findOneByOrFail({ name });
      expect(cipher.open(row.id, row.credentials).webhook_secret).toBe(held.secret_token);
    } finally {
      gate.release();
    }
    expect((await creating).body.webhook.status).toBe('registered');
  });

  it('a setWebhook that fails leaves its stored secret, which the next register-webhook uses', async () => {
    telegram.failNext('setWebhook', 'Bad Request: bad webhook: Failed to resolve host');
    const { body } = await createTelegram();
    expect(body.webhook).toMatchObject({ status: 'failed', error: 'Bad Request: bad webhook: Failed to resolve host' });
    const refusedSecret = String(lastSetWebhook().body.secret_token);
    expect((await storedCredentials(body.id)).webhook_secret).toBe(refusedSecret);

    expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
    expect(lastSetWebhook().body.secret_token).toBe(refusedSecret);
    expect(await postTelegram(body.id, refusedSecret)).toBe(200);

    // The same after a rotation: the rotated secret is kept for the retry, the one before stays valid.
    telegram.failNext('setWebhook', 'Unauthorized');
    expect((await patch(body.id, { credentials: { bot_token: NEW_BOT_TOKEN } })).body.webhook).toMatchObject({
      status: 'failed',
      error: 'Unauthorized',
    });
    const rotatedSecret = String(lastSetWebhook().body.secret_token);
    expect(rotatedSecret).not.toBe(refusedSecret);
    expect(await storedCredentials(body.id)).toMatchObject({ webhook_secret: rotatedSecret, previous_webhook_secret: refusedSecret });
    expect(await registerWebhook(body.id)).toMatchObject({ status: 200, body: { status: 'registered' } });
    expect(lastSetWebhook()).toMatchObject({ token: NEW_BOT_TOKEN, body: { secret_token: rotatedSecret } });
    expect(await postTelegram(body.id, rotatedSecret)).toBe(200);
    expect(await postTelegram(body.id, refusedSecret)).toBe(200);
  });

  it.each([
    ['a PATCH of another credential', (id: string) => patch(id, { credentials: { team: 'support' } }), { team: 'support' }],
    ['register-webhook', (id: string) => registerWebhook(id), {}],
  ])('a PATCH made while %s waits for Telegram is kept', async (_first, firstChange, firstKeys) => {
    const { body } = await createTelegram();
    const secret = String((await storedCredentials(body.id)).webhook_secret);

    gate.holdNext('setWebhook');
    const first = firstChange(body.id);
    await gate.heldCall();
    let second: Awaited<ReturnType<typeof patch>>;
    try {
      second = await patch(body.id, { credentials: { region: 'eu' } });
    } finally {
      gate.release();
    }
    expect(second).toMatchObject({ status: 200, body: { webhook: { status: 'registered' } } });
    expect((await first).status).toBe(200);

    expect(await storedCredentials(body.id)).toEqual({ bot_token: BOT_TOKEN, webhook_secret: secret, region: 'eu', ...firstKeys });
    expect((await api('GET', `/channels/${body.id}`)).body.webhook.status).toBe('registered');
    expect(await postTelegram(body.id, secret)).toBe(200);
  });

  it('eight PATCHes at once, each with a credential key of its own, all end up stored', async () => {
    const { body } = await api('POST', '/channels', {
      account_id: ACCOUNT_ID,
      channel_type: 'whatsapp',
      name: 'whatsapp channel',
      credentials: { app_secret: 'meta-app-secret' },
    });
    const labels = Array.from({ length: 8 }, (_, index) => `label_${index}`);
    const answers = await Promise.all(labels.map((label) => patch(body.id, { credentials: { [label]: `value of ${label}` } })));
    expect(answers.map((answer) => answer.status)).toEqual(labels.map(() => 200));
    expect(await storedCredentials(body.id)).toEqual({
      app_secret: 'meta-app-secret',
      verify_token: body.webhook.verify_token,
      ...Object.fromEntries(labels.map((label) => [label, `value of ${label}`])),
    });
  });

  it('callers can set neither the secret nor the previous one: 400 naming the field, nothing stored', async () => {
    const { body } = await createTelegram();
    const before = await storedCredentials(body.id);
    for (const key of ['webhook_secret', 'previous_webhook_secret', 'previous_webhook_secret_expires_at']) {
      const refused = await patch(body.id, { credentials: { [key]: 'chosen-by-the-caller-0123456789' } });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_request', field: `credentials.${key}` } });
    }
    expect(await storedCredentials(body.id)).toEqual(before);
  });
});

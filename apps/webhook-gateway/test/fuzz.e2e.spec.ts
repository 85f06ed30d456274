import { AdapterRegistry, type ChannelContext } from '@inbound/adapters';
import { Channel, CredentialsCipher } from '@inbound/domain';
import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';
import { declareTopology } from '@inbound/messaging';
import {
  type AppProcess,
  createIsolatedInfra,
  dropIsolatedInfra,
  FakeBotApi,
  freePort,
  type IsolatedInfra,
  killIfRunning,
  startBuiltApp,
  waitFor,
} from '@inbound/testing';
import { connect, type ChannelModel } from 'amqplib';
import fc from 'fast-check';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { migratedDataSource } from './support/gateway-harness';

/**
 * Random and mutated input on every route of the built gateway; what every answer must be,
 * FUZZ_SEED and FUZZ_RUNS: docs/GATEWAY.md, "Fuzz tests".
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;
const BODY_LIMIT = 1024 * 1024;
const META_BODY_LIMIT = 4 * 1024 * 1024;
const WEBHOOK_BASE_URL = 'https://hooks.example.test';
const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const ACCOUNT_ID = '4e6a1c3b-7d2f-4a8e-9b0c-5d6e7f8a9b0c';
const KEY = randomBytes(32);
const twilio = createRequire(__filename)('twilio') as {
  getExpectedTwilioSignature(authToken: string, url: string, params: Record<string, string>): string;
};

const fixture = (provider: string, name: string): Buffer =>
  readFileSync(join(__dirname, '..', '..', '..', 'libs', 'adapters', 'src', provider, 'fixtures', `${name}.json`));
const formFixture = (name: string): Buffer =>
  Buffer.from(new URLSearchParams(JSON.parse(fixture('sms', name).toString()) as Record<string, string>).toString());
const hmacHex = (key: string, body: Buffer | string) => createHmac('sha256', key).update(body).digest('hex');

/** One HTTP input: what is sent, before a signature is added. */
interface Input {
  body: Buffer;
  contentType: string;
}

interface Sent {
  method: string;
  path: string;
  body?: Buffer;
  headers: Record<string, string>;
}

/** A route under fuzz: how an input becomes a request, and what an accepted one should publish. */
interface Target {
  name: string;
  inputs: fc.Arbitrary<Input>;
  request: (input: Input) => Sent;
  /** Events an accepted webhook call publishes, computed with the adapter itself. */
  expectedEvents?: (sent: Sent) => number;
  /** Every answer must be a refusal (an invalid signature can never be accepted). */
  refusalsOnly?: boolean;
  /** Answers other than JSON the route gives on success. */
  successType?: 'twiml' | 'text';
  /** 503 is the contract's answer when a service the check needs is away (see the SES target). */
  unavailableAllowed?: boolean;
  /** The route's body limit: past it the gateway answers 413 and may close before reading the rest. */
  bodyLimit: number;
}

// ---- input generators: real payload shapes, then mutated ----

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  '',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/xml',
];

function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))];
}

function replaced(value: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) }) as Record<string | number, unknown>;
  copy[path[0]] = replaced(copy[path[0]], path.slice(1), replacement);
  return copy;
}

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    1e308,
    -1e308,
    0,
    -0,
    Number.MAX_SAFE_INTEGER + 2,
    1.5,
    '',
    ' ',
    'null',
    '\u0000',
    '\uD800',
    '😀'.repeat(300),
    'x'.repeat(5_000),
    [],
    {},
    [[[[[[[[[[]]]]]]]]]],
    true,
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

/** Text of a value with JSON's edge cases that JSON.stringify never writes. */
const rawJsonEdges = fc.constantFrom(
  '{"a":1e999999}',
  '{"a":-1e999999}',
  '{"n":123456789012345678901234567890123456789}',
  '{"a":1,"a":2,"a":{"a":3}}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '\uFEFF{}',
  '{}garbage',
  '{"a":01}',
  '{"a":NaN}',
  "{'a':1}",
  '',
  ' ',
  'null',
);

function mutations(bases: Buffer[]): fc.Arbitrary<Buffer> {
  const base = fc.constantFrom(...bases);
  const parsedBases = bases.map((buffer) => {
    try {
      return JSON.parse(buffer.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  });
  const jsonBases = parsedBases.filter((value) => value !== undefined);
  const typeSwap = jsonBases.length
    ? fc.tuple(fc.constantFrom(...jsonBases), fc.nat(), nasty).map(([value, pick, replacement]) => {
        const all = paths(value);
        return Buffer.from(JSON.stringify(replaced(value, all[pick % all.length], replacement)) ?? 'null');
      })
    : base;
  const duplicateKey = fc.tuple(base, nasty).map(([buffer, value]) => {
    const text = buffer.toString('utf8');
    const key = /"([^"\\]{1,40})"\s*:/.exec(text)?.[1] ?? 'a';
    return Buffer.from(text.replace('{', `{"${key}":${JSON.stringify(value) ?? 'null'},`));
  });
  return fc.oneof(
    { weight: 4, arbitrary: base },
    { weight: 6, arbitrary: typeSwap },
    { weight: 2, arbitrary: duplicateKey },
    { weight: 2, arbitrary: fc.tuple(base, fc.nat()).map(([buffer, cut]) => buffer.subarray(0, cut % (buffer.length + 1))) },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([buffer, at, byte]) => {
        const copy = Buffer.from(buffer);
        if (copy.length > 0) copy[at % copy.length] = byte;
        return copy;
      }),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 200_000 })
        .map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth % 7 === 0 ? depth : 0))),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((depth) => Buffer.from('{"a":'.repeat(depth))) },
    { weight: 1, arbitrary: rawJsonEdges.map((text) => Buffer.from(text)) },
    // Invalid UTF-8 and arbitrary bytes.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])))
        .map(([buffer, bad]) => Buffer.concat([buffer.subarray(0, buffer.length >> 1), bad, buffer.subarray(buffer.length >> 1)])),
    },
  );
}

/** Now and then a body past the route's limit, or just under it. */
function withEnormous(inputs: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 400, arbitrary: inputs },
    {
      weight: 1,
      arbitrary: fc.constantFrom(900_000, 1_100_000, 4_300_000).map((size) => Buffer.from(JSON.stringify({ text: 'y'.repeat(size) }))),
    },
  );
}

function inputsOf(bases: Buffer[], contentType: string): fc.Arbitrary<Input> {
  return fc.record({
    body: withEnormous(mutations(bases)),
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constant(contentType) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
  });
}

// ---- the run ----

describe(`every HTTP surface of the gateway under random input (seed ${SEED}, ${RUNS} inputs per route)`, () => {
  let infra: IsolatedInfra;
  let dataSource: DataSource;
  let gateway: AppProcess;
  let telegram: FakeBotApi;
  let broker: ChannelModel;
  let base: string;
  const registry = new AdapterRegistry({
    now: () => new Date(),
    httpGetText: async () => Promise.reject(new Error('no network in tests')),
  });
  const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const secrets: string[] = [ADMIN_TOKEN, KEY.toString('base64')];
  const channels: Record<string, { id: string; credentials: Record<string, unknown>; channelType: string }> = {};
  let patchTarget: string;

  beforeAll(async () => {
    process.stdout.write(`fuzz seed ${SEED}: FUZZ_SEED=${SEED} replays this run\n`);
    infra = await createIsolatedInfra('gateway_fuzz');
    dataSource = await migratedDataSource(infra.databaseUrl);
    telegram = new FakeBotApi();
    await telegram.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = startBuiltApp('webhook-gateway', {
      DATABASE_URL: infra.databaseUrl,
      RABBITMQ_URL: infra.rabbitmqUrl,
      NODE_ENV: 'test',
      PORT: String(port),
      WEBHOOK_BASE_URL,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      CREDENTIALS_KEY: KEY.toString('base64'),
      TELEGRAM_API_BASE_URL: telegram.url,
      // Thousands of bad signatures from one address are the point here; the throttle has its own tests.
      SIGNATURE_FAILURE_LIMIT: '0',
      LOG_LEVEL: 'silent',
    });
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok, { timeoutMs: 30_000, description: 'the gateway to be ready' });
    broker = await connect(infra.rabbitmqUrl);
    // The queues the workers would declare, so that what the gateway publishes stays there to be counted.
    const setup = await broker.createChannel();
    await declareTopology(setup, [1_000]);
    await setup.close();

    const seed = async (name: string, channelType: string, credentials: Record<string, unknown>) => {
      const id = randomUUID();
      await dataSource.getRepository(Channel).save({
        id,
        account_id: ACCOUNT_ID,
        channel_type: channelType,
        name,
        credentials: new CredentialsCipher(KEY).seal(id, credentials),
        is_active: true,
      });
      channels[name] = { id, credentials, channelType };
      for (const [key, value] of Object.entries(credentials)) {
        // The provider's name is no secret: error messages list the providers there are.
        if (key !== 'provider' && typeof value === 'string' && value.length >= 8) secrets.push(value);
      }
    };
    await seed('telegram', 'telegram', {
      bot_token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      webhook_secret: 'telegram-secret-token-0123456789',
    });
    await seed('whatsapp', 'whatsapp', {
      app_secret: 'whatsapp-app-secret-0123',
      verify_token: 'verify-token-0123456789',
      phone_number_id: '106540352242922',
    });
    await seed('messenger', 'messenger', { app_secret: 'messenger-app-secret-0123', verify_token: 'verify-token-9876543210' });
    await seed('sms', 'sms', { account_sid: `AC${'0'.repeat(32)}`, auth_token: 'twilio-auth-token-0123456789' });
    await seed('resend', 'email', { provider: 'resend', webhook_secret: `whsec_${randomBytes(24).toString('base64')}` });
    await seed('sendgrid', 'email', {
      provider: 'sendgrid',
      verification_key: sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    });
    await seed('ses', 'email', { provider: 'ses', topic_arn: 'arn:aws:sns:us-east-1:123456789012:ses-events' });
    await seed('mailgun', 'email', { provider: 'mailgun', signing_key: 'mailgun-signing-key-0123456789' });
    await seed('postmark', 'email', {
      provider: 'postmark',
      basic_auth_username: 'postmark-user',
      basic_auth_password: 'postmark-password-0123',
    });
    await seed('patch-target', 'sms', { account_sid: `AC${'1'.repeat(32)}`, auth_token: 'patch-target-token-0123456789' });
    patchTarget = channels['patch-target'].id;
  }, 60_000);

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGTERM');
    if (gateway) await Promise.race([gateway.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await killIfRunning(gateway);
    await telegram?.stop();
    await dataSource?.destroy();
    if (infra) await dropIsolatedInfra(infra);
  });

  async function queueDepth(): Promise<number> {
    const channel = await broker.createChannel();
    try {
      return (await channel.checkQueue(INBOUND_QUEUE)).messageCount + (await channel.checkQueue(STATUS_QUEUE)).messageCount;
    } finally {
      await channel.close();
    }
  }

  async function purgeQueues(): Promise<void> {
    const channel = await broker.createChannel();
    await channel.purgeQueue(INBOUND_QUEUE);
    await channel.purgeQueue(STATUS_QUEUE);
    await channel.close();
  }

  const channelCount = async () => Number((await dataSource.query<Array<{ n: string }>>('SELECT count(*) AS n FROM channels'))[0].n);

  /** Events the adapter makes of an accepted call, as the gateway does. */
  function eventsOf(name: string, sent: Sent): number {
    const { id, credentials, channelType } = channels[name];
    const adapter = registry.resolve(channelType as ChannelContext['channel_type'], credentials);
    const context: ChannelContext = {
      id,
      account_id: ACCOUNT_ID,
      channel_type: channelType as ChannelContext['channel_type'],
      credentials,
    };
    const request = {
      method: sent.method,
      url: WEBHOOK_BASE_URL + sent.path,
      headers: lowerCased(sent.headers),
      rawBody: sent.body ?? Buffer.alloc(0),
    };
    const parsed = adapter?.parse(request, context, new Date());
    return parsed?.ok ? parsed.events.inbound.length + parsed.events.statuses.length : 0;
  }

  const lowerCased = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  const post = (name: string, input: Input, headers: Record<string, string> = {}): Sent => ({
    method: 'POST',
    path: `/webhooks/${channels[name].channelType}/${channels[name].id}`,
    body: input.body,
    headers: { ...(input.contentType ? { 'content-type': input.contentType } : {}), ...headers },
  });

  /** A fresh Mailgun signature inside the body, when the body is a JSON object to put it in. */
  function mailgunSigned(input: Input): Input {
    let value: unknown;
    try {
      value = JSON.parse(input.body.toString('utf8'));
    } catch {
      return input;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return input;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const signature = { timestamp, token, signature: hmacHex(channels.mailgun.credentials.signing_key as string, timestamp + token) };
    return { ...input, body: Buffer.from(JSON.stringify({ ...value, signature })) };
  }

  type RouteTarget = Omit<Target, 'bodyLimit'>;

  function webhookTargets(): Target[] {
    const metaSigned = (name: string) => (input: Input) =>
      post(name, input, { 'x-hub-signature-256': `sha256=${hmacHex(channels[name].credentials.app_secret as string, input.body)}` });
    const telegramBodies = ['text-message', 'photo-with-caption', 'callback-query', 'edited-message'].map((name) =>
      fixture('telegram', name),
    );
    const smsBodies = [formFixture('inbound-sms'), formFixture('status-undelivered')];
    const wrong = { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    const valid: RouteTarget[] = [
      {
        name: 'telegram',
        inputs: inputsOf(telegramBodies, 'application/json'),
        request: (input) =>
          post('telegram', input, { 'x-telegram-bot-api-secret-token': channels.telegram.credentials.webhook_secret as string }),
      },
      {
        name: 'whatsapp',
        inputs: inputsOf(
          [fixture('whatsapp', 'text-message'), fixture('whatsapp', 'status-delivered'), fixture('whatsapp', 'status-failed')],
          'application/json',
        ),
        request: metaSigned('whatsapp'),
      },
      {
        name: 'messenger',
        inputs: inputsOf(
          [fixture('messenger', 'text-with-quick-reply'), fixture('messenger', 'delivery-read-postback-echo')],
          'application/json',
        ),
        request: metaSigned('messenger'),
      },
      {
        name: 'sms',
        successType: 'twiml',
        inputs: inputsOf(smsBodies, 'application/x-www-form-urlencoded'),
        request: (input) => {
          const sent = post('sms', input);
          const params = Object.fromEntries(new URLSearchParams(input.body.toString('utf8')));
          sent.headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(
            channels.sms.credentials.auth_token as string,
            WEBHOOK_BASE_URL + sent.path,
            params,
          );
          return sent;
        },
      },
      {
        name: 'resend',
        inputs: inputsOf([fixture('resend', 'email-bounced')], 'application/json'),
        request: (input) => {
          const id = `msg_${randomUUID()}`;
          const at = new Date();
          const signature = new Webhook(channels.resend.credentials.webhook_secret as string).sign(id, at, input.body);
          return post('resend', input, {
            'svix-id': id,
            'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
            'svix-signature': signature,
          });
        },
      },
      {
        name: 'sendgrid',
        inputs: inputsOf([fixture('sendgrid', 'event-batch')], 'application/json'),
        request: (input) => {
          const timestamp = String(Math.floor(Date.now() / 1000));
          const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), input.body]), sendgridKeys.privateKey).toString('base64');
          return post('sendgrid', input, {
            'x-twilio-email-event-webhook-signature': signature,
            'x-twilio-email-event-webhook-timestamp': timestamp,
          });
        },
      },
      {
        name: 'mailgun',
        inputs: inputsOf([fixture('mailgun', 'failed-permanent')], 'application/json'),
        request: (input) => post('mailgun', mailgunSigned(input)),
      },
      {
        name: 'postmark',
        inputs: inputsOf([fixture('postmark', 'delivery'), fixture('postmark', 'bounce-hard')], 'application/json'),
        request: (input) =>
          post('postmark', input, {
            authorization: `Basic ${Buffer.from(`postmark-user:${channels.postmark.credentials.basic_auth_password as string}`).toString('base64')}`,
          }),
      },
    ];
    const refused: RouteTarget[] = [
      {
        name: 'telegram',
        inputs: inputsOf(telegramBodies, 'application/json'),
        request: (input) => post('telegram', input, { 'x-telegram-bot-api-secret-token': 'not-the-secret' }),
      },
      {
        name: 'whatsapp',
        inputs: inputsOf([fixture('whatsapp', 'text-message')], 'application/json'),
        request: (input) => post('whatsapp', input, wrong),
      },
      {
        name: 'messenger',
        inputs: inputsOf([fixture('messenger', 'text-with-quick-reply')], 'application/json'),
        request: (input) => post('messenger', input),
      },
      {
        name: 'sms',
        inputs: inputsOf(smsBodies, 'application/x-www-form-urlencoded'),
        request: (input) => post('sms', input, { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' }),
      },
      {
        name: 'resend',
        inputs: inputsOf([fixture('resend', 'email-bounced')], 'application/json'),
        request: (input) =>
          post('resend', input, {
            'svix-id': 'msg_1',
            'svix-timestamp': String(Math.floor(Date.now() / 1000)),
            'svix-signature': 'v1,AAAA',
          }),
      },
      {
        name: 'sendgrid',
        inputs: inputsOf([fixture('sendgrid', 'event-batch')], 'application/json'),
        request: (input) => post('sendgrid', input),
      },
      // SNS signatures need AWS's certificate: every SES input here is one AWS did not sign. An
      // input for the channel's own topic makes the gateway fetch the certificate, which this
      // machine cannot reach: 503, the answer for "a service the check needs did not answer".
      {
        name: 'ses',
        unavailableAllowed: true,
        inputs: inputsOf([fixture('ses', 'notification-bounce'), fixture('ses', 'subscription-confirmation')], 'text/plain; charset=UTF-8'),
        request: (input) => post('ses', input),
      },
      {
        name: 'mailgun',
        inputs: inputsOf([fixture('mailgun', 'failed-permanent')], 'application/json'),
        request: (input) => post('mailgun', input),
      },
      {
        name: 'postmark',
        inputs: inputsOf([fixture('postmark', 'delivery')], 'application/json'),
        request: (input) => post('postmark', input, { authorization: 'Basic cG9zdG1hcmstdXNlcjp3cm9uZw==' }),
      },
    ];
    const bodyLimit = (name: string) => (['whatsapp', 'messenger'].includes(name) ? META_BODY_LIMIT : BODY_LIMIT);
    return [
      ...valid.map((target) => ({
        ...target,
        name: `POST /webhooks/${target.name} (valid signature)`,
        bodyLimit: bodyLimit(target.name),
        expectedEvents: (sent: Sent) => eventsOf(target.name, sent),
      })),
      ...refused.map((target) => ({
        ...target,
        name: `POST /webhooks/${target.name} (invalid signature)`,
        bodyLimit: bodyLimit(target.name),
        refusalsOnly: true,
      })),
    ];
  }

  function adminTargets(): Target[] {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const createBodies = [
      {
        account_id: ACCOUNT_ID,
        channel_type: 'sms',
        name: 'fuzz sms',
        credentials: { account_sid: `AC${'2'.repeat(32)}`, auth_token: 'token' },
      },
      { account_id: ACCOUNT_ID, channel_type: 'whatsapp', name: 'fuzz wa', credentials: { app_secret: 's', phone_number_id: '123' } },
      {
        account_id: ACCOUNT_ID,
        channel_type: 'email',
        name: 'fuzz ses',
        credentials: { provider: 'ses', topic_arn: ['arn:aws:sns:us-east-1:123456789012:t'] },
      },
      {
        account_id: ACCOUNT_ID,
        channel_type: 'telegram',
        name: 'fuzz tg',
        credentials: { bot_token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' },
      },
    ].map((value) => Buffer.from(JSON.stringify(value)));
    const patchBodies = [{ name: 'renamed' }, { is_active: true }, { credentials: { auth_token: 'new-token' } }].map((value) =>
      Buffer.from(JSON.stringify(value)),
    );
    const ids = fc.oneof(
      fc.constant(patchTarget),
      fc.uuid(),
      fc.string({ unit: 'binary', maxLength: 80 }).map(encodeURIComponent),
      fc.constantFrom('%', '%E0%A4%A', '..', '%2e%2e', 'a%00b', '%FF', 'x'.repeat(3_000)),
    );
    const admin: RouteTarget[] = [
      {
        name: 'POST /channels',
        inputs: inputsOf(createBodies, 'application/json'),
        request: (input) => ({
          method: 'POST',
          path: '/channels',
          body: input.body,
          headers: { ...auth, 'content-type': input.contentType },
        }),
      },
      {
        name: 'PATCH /channels/:id',
        inputs: inputsOf(patchBodies, 'application/json'),
        request: (input) => ({
          method: 'PATCH',
          path: `/channels/${patchTarget}`,
          body: input.body,
          headers: { ...auth, 'content-type': input.contentType },
        }),
      },
      {
        name: 'GET /channels/:id',
        inputs: ids.map((id) => ({ body: Buffer.from(id), contentType: '' })),
        request: (input) => ({ method: 'GET', path: `/channels/${input.body.toString()}`, headers: auth }),
      },
      {
        name: 'POST /channels/:id/register-webhook',
        inputs: fc
          .tuple(
            ids,
            fc.oneof(
              fc.constant(''),
              mutations([Buffer.from('{}')]).map((body) => body.toString('latin1')),
            ),
          )
          .map(([id, body]) => ({ body: Buffer.from(`${id}\n${body}`, 'latin1'), contentType: 'application/json' })),
        request: (input) => {
          const [id, ...rest] = input.body.toString('latin1').split('\n');
          const body = rest.join('\n');
          return {
            method: 'POST',
            path: `/channels/${id}/register-webhook`,
            body: body ? Buffer.from(body, 'latin1') : undefined,
            headers: { ...auth, ...(body ? { 'content-type': input.contentType } : {}) },
          };
        },
      },
      {
        name: 'GET /webhooks/whatsapp/:id (challenge)',
        successType: 'text',
        inputs: fc
          .tuple(
            fc.constantFrom('subscribe', 'unsubscribe', '', '%', 'subscribe&hub.mode=x'),
            fc.oneof(fc.constant(channels.whatsapp.credentials.verify_token as string), fc.string({ unit: 'binary', maxLength: 40 })),
            fc.string({ unit: 'binary', maxLength: 200 }),
          )
          .map(([mode, token, challenge]) => ({
            body: Buffer.from(
              `hub.mode=${mode}&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=${encodeURIComponent(challenge)}`,
            ),
            contentType: '',
          })),
        request: (input) => ({ method: 'GET', path: `/webhooks/whatsapp/${channels.whatsapp.id}?${input.body.toString()}`, headers: {} }),
      },
    ];
    return admin.map((target) => ({ ...target, bodyLimit: BODY_LIMIT }));
  }

  interface Violation {
    sent: string;
    status: number;
    body: string;
    problem: string;
  }

  function checkAnswer(target: Target, status: number, contentType: string, body: string): string | undefined {
    const unavailable = status === 503 && target.unavailableAllowed === true && body === '{"error":"unavailable"}';
    if (!((status >= 200 && status < 300) || (status >= 400 && status < 500) || unavailable)) return `status ${status}`;
    if (target.refusalsOnly && status < 300) return 'accepted a call with an invalid signature';
    if (/\n\s+at \S+ \(|\.[jt]s:\d+:\d+|node_modules\//.test(body)) return 'stack trace in the answer';
    const secret = secrets.find((value) => body.includes(value));
    if (secret) return 'a secret in the answer';
    if (status < 300 && target.successType === 'twiml') return /<Response\/>/.test(body) ? undefined : 'no TwiML';
    if (status < 300 && target.successType === 'text') return contentType.startsWith('text/plain') ? undefined : 'challenge not text/plain';
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return 'answer is not JSON';
    }
    if (typeof parsed !== 'object' || parsed === null) return 'answer is not a JSON object';
    if (status >= 400 && typeof (parsed as Record<string, unknown>)['error'] !== 'string') return 'error answer without "error"';
    return undefined;
  }

  async function fuzz(target: Target): Promise<void> {
    const samples = fc.sample(target.inputs, { seed: SEED, numRuns: RUNS });
    const violations: Violation[] = [];
    let expected = 0;
    let created = 0;
    const statuses = new Map<number, number>();
    const depthBefore = await queueDepth();
    const channelsBefore = await channelCount();
    let next = 0;
    const worker = async () => {
      while (next < samples.length) {
        const sent = target.request(samples[next++]);
        const describeSent = () =>
          `${sent.method} ${sent.path.slice(0, 120)} ${JSON.stringify(sent.headers)} ${(sent.body ?? Buffer.alloc(0)).toString('utf8').slice(0, 300)}`;
        let response: Response;
        let text: string;
        try {
          response = await fetch(`${base}${sent.path}`, {
            method: sent.method,
            headers: sent.headers,
            body: sent.body,
            signal: AbortSignal.timeout(15_000),
          });
          text = await response.text();
        } catch (error) {
          // Past the limit the gateway answers 413 and may close while the client still sends.
          if ((sent.body?.length ?? 0) > target.bodyLimit) continue;
          violations.push({ sent: describeSent(), status: 0, body: '', problem: `no answer: ${(error as Error).message}` });
          continue;
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const problem = checkAnswer(target, response.status, response.headers.get('content-type') ?? '', text);
        if (problem) violations.push({ sent: describeSent(), status: response.status, body: text.slice(0, 300), problem });
        if (response.status < 300 && target.expectedEvents) expected += target.expectedEvents(sent);
        if (response.status === 201) created += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    process.stdout.write(`fuzz ${target.name}: ${samples.length} inputs, answers ${summary}\n`);
    // Up to three examples of each kind of problem.
    const examples = new Map<string, Violation[]>();
    for (const violation of violations) {
      const list = examples.get(violation.problem) ?? [];
      if (list.length < 3) examples.set(violation.problem, [...list, violation]);
    }
    expect([...examples.values()].flat()).toEqual([]);
    // Nothing is written for a refused input: exactly the accepted calls' events, exactly the created channels.
    expect((await queueDepth()) - depthBefore).toBe(target.expectedEvents ? expected : 0);
    expect((await channelCount()) - channelsBefore).toBe(created);
    expect(gateway.child.exitCode).toBeNull();
    await purgeQueues();
  }

  it('answers every webhook route with a 2xx or 4xx, publishing exactly what it accepted', async () => {
    for (const target of webhookTargets()) await fuzz(target);
  }, 1_800_000);

  it('answers every admin route and the challenge with a 2xx or 4xx in the contract’s shape, writing nothing it refused', async () => {
    for (const target of adminTargets()) await fuzz(target);
  }, 1_800_000);

  it('is still up and ready afterwards', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  });
});

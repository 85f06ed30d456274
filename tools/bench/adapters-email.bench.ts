/**
 * Email adapter micro-benchmark: verify + parse of each provider's documented sample, in
 * process, no I/O (the SNS certificate is served from memory and cached after the first call).
 * Warm-up first, then about BENCH_SECONDS (default 1.5) of timed calls per provider.
 *
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/adapters-email.bench.ts
 *
 * Target: ≥ 20,000 verify+parse per second for the HMAC schemes (Resend, Mailgun) and the
 * Basic-auth check (Postmark); SendGrid (ECDSA P-256) and SES (RSA-2048) are reported as measured.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailgunAdapter,
  createPostmarkAdapter,
  createResendAdapter,
  createSendGridAdapter,
  createSesAdapter,
  type ChannelContext,
  type ProviderAdapter,
  type WebhookRequest,
} from '@inbound/adapters';
import { createSelfSignedCertificate, signSnsMessage } from '@inbound/adapters/test-signers';

const ADAPTERS_SOURCE = join(__dirname, '..', '..', 'libs', 'adapters', 'src');
const BENCH_SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');
const WARM_UP_SECONDS = 0.3;
const HMAC_TARGET_OPS = 20_000;

const channel: ChannelContext = {
  id: '6f1c1b7e-2f43-4d6b-9a53-3b0c3f4a1d20',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const now = new Date();
const nowSeconds = String(Math.floor(now.getTime() / 1000));
const certificate = createSelfSignedCertificate();
const deps = { now: () => now, httpGetText: async (): Promise<string> => certificate.certificatePem };

interface BenchCase {
  provider: string;
  scheme: string;
  adapter: ProviderAdapter;
  credentials: Record<string, unknown>;
  /** Requests for the next timed chunk; most cases reuse one, Mailgun needs a fresh token each call. */
  nextRequests: (count: number) => WebhookRequest[];
  hmacTarget: boolean;
}

const fixture = (provider: string, name: string): Buffer => readFileSync(join(ADAPTERS_SOURCE, provider, 'fixtures', name));

function request(rawBody: Buffer, headers: Record<string, string> = {}): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: { 'content-type': 'application/json', ...headers },
    rawBody,
  };
}

const repeat = (one: WebhookRequest) => (count: number) => Array<WebhookRequest>(count).fill(one);

function resendCase(): BenchCase {
  const secret = randomBytes(24);
  const body = fixture('resend', 'email-bounced.json');
  const id = 'msg_2Lh9KRb0pzN5r8mP1tW3vX4yZ6a';
  const signature = createHmac('sha256', secret).update(`${id}.${nowSeconds}.`).update(body).digest('base64');
  const one = request(body, { 'svix-id': id, 'svix-timestamp': nowSeconds, 'svix-signature': `v1,${signature}` });
  return {
    provider: 'resend',
    scheme: 'HMAC-SHA256 (Svix)',
    adapter: createResendAdapter(deps),
    credentials: { provider: 'resend', webhook_secret: `whsec_${secret.toString('base64')}` },
    nextRequests: repeat(one),
    hmacTarget: true,
  };
}

function sendGridCase(): BenchCase {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const body = Buffer.concat([fixture('sendgrid', 'event-batch.json'), Buffer.from('\r\n')]);
  const signature = sign('sha256', Buffer.concat([Buffer.from(nowSeconds), body]), privateKey).toString('base64');
  const one = request(body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': nowSeconds });
  const verificationKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    provider: 'sendgrid',
    scheme: 'ECDSA P-256 (4-event batch)',
    adapter: createSendGridAdapter(deps),
    credentials: { provider: 'sendgrid', verification_key: verificationKey },
    nextRequests: repeat(one),
    hmacTarget: false,
  };
}

function sesCase(): BenchCase {
  const envelope = signSnsMessage(JSON.parse(fixture('ses', 'notification-bounce.json').toString('utf8')), certificate.privateKey);
  const one = request(Buffer.from(JSON.stringify(envelope)), { 'content-type': 'text/plain; charset=UTF-8' });
  return {
    provider: 'ses',
    scheme: 'RSA-2048 SHA256 (SNS v2)',
    adapter: createSesAdapter(deps),
    credentials: { provider: 'ses', topic_arn: envelope['TopicArn'] },
    nextRequests: repeat(one),
    hmacTarget: false,
  };
}

function mailgunCase(): BenchCase {
  const signingKey = 'key-bench-signing-key';
  const sample = JSON.parse(fixture('mailgun', 'failed-permanent.json').toString('utf8')) as { 'event-data': unknown };
  const eventData = JSON.stringify(sample['event-data']);
  let counter = 0;
  const nextRequests = (count: number): WebhookRequest[] =>
    Array.from({ length: count }, () => {
      counter += 1;
      const token = `${counter.toString(16).padStart(12, '0')}${'a'.repeat(38)}`;
      const signature = createHmac('sha256', signingKey)
        .update(nowSeconds + token)
        .digest('hex');
      return request(
        Buffer.from(`{"signature":{"token":"${token}","timestamp":"${nowSeconds}","signature":"${signature}"},"event-data":${eventData}}`),
      );
    });
  return {
    provider: 'mailgun',
    scheme: 'HMAC-SHA256 + replay guard',
    adapter: createMailgunAdapter(deps),
    credentials: { provider: 'mailgun', signing_key: signingKey },
    nextRequests,
    hmacTarget: true,
  };
}

function postmarkCase(): BenchCase {
  const authorization = `Basic ${Buffer.from('postmark-hooks:Zq8#r5-long-and-random').toString('base64')}`;
  const one = request(fixture('postmark', 'bounce-hard.json'), { authorization });
  return {
    provider: 'postmark',
    scheme: 'Basic auth (SHA-256 compare)',
    adapter: createPostmarkAdapter(deps),
    credentials: { provider: 'postmark', basic_auth_username: 'postmark-hooks', basic_auth_password: 'Zq8#r5-long-and-random' },
    nextRequests: repeat(one),
    hmacTarget: true,
  };
}

/** Runs verify + parse over chunks of requests for about `seconds`; returns calls per second. */
async function measure(bench: BenchCase, seconds: number): Promise<number> {
  const chunkSize = 2_000;
  let elapsedNs = 0n;
  let calls = 0;
  while (elapsedNs < BigInt(Math.round(seconds * 1e9))) {
    const requests = bench.nextRequests(chunkSize); // made outside the timed part
    const started = process.hrtime.bigint();
    for (const call of requests) {
      const verified = await bench.adapter.verify(call, bench.credentials);
      if (!verified.ok) throw new Error(`${bench.provider}: verify failed (${verified.reason})`);
      const parsed = bench.adapter.parse(call, channel, now);
      if (!parsed.ok || parsed.events.statuses.length === 0) throw new Error(`${bench.provider}: parse produced no status`);
    }
    elapsedNs += process.hrtime.bigint() - started;
    calls += requests.length;
  }
  return calls / (Number(elapsedNs) / 1e9);
}

async function main(): Promise<void> {
  const cases = [resendCase(), sendGridCase(), sesCase(), mailgunCase(), postmarkCase()];
  console.log(
    `email adapters: verify + parse per second (Node ${process.version}, ${BENCH_SECONDS} s each after ${WARM_UP_SECONDS} s warm-up)\n`,
  );
  console.log(`${'provider'.padEnd(10)}${'scheme'.padEnd(30)}${'ops/s'.padStart(10)}${'µs/op'.padStart(9)}  target`);
  let belowTarget = false;
  for (const bench of cases) {
    await measure(bench, WARM_UP_SECONDS);
    const opsPerSecond = await measure(bench, BENCH_SECONDS);
    const verdict = bench.hmacTarget
      ? opsPerSecond >= HMAC_TARGET_OPS
        ? `≥ ${HMAC_TARGET_OPS} ok`
        : `< ${HMAC_TARGET_OPS} BELOW`
      : 'measured';
    belowTarget ||= bench.hmacTarget && opsPerSecond < HMAC_TARGET_OPS;
    console.log(
      `${bench.provider.padEnd(10)}${bench.scheme.padEnd(30)}${Math.round(opsPerSecond).toLocaleString('en-US').padStart(10)}${(1e6 / opsPerSecond).toFixed(1).padStart(9)}  ${verdict}`,
    );
  }
  if (belowTarget) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Chat adapter micro-benchmark: verify + parse of each provider's documented sample, in
 * process, on one core. Each case is warmed up, then timed for about BENCH_SECONDS (default
 * 1.5). A last row times a 100-status WhatsApp call, the shape of a campaign's status storm.
 *
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/adapters-chat.bench.ts
 *
 * Target: ≥ 20,000 verify+parse per second per provider.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// No tools → adapters edge in the project graph (see adapters-email.bench.ts for the cycle it would close).
// nx-ignore-next-line
import {
  createMessengerAdapter,
  createSmsAdapter,
  createTelegramAdapter,
  createWhatsAppAdapter,
  type ChannelContext,
  type ProviderAdapter,
  type WebhookRequest,
} from '@inbound/adapters';

const ADAPTERS_SOURCE = join(__dirname, '..', '..', 'libs', 'adapters', 'src');
const BENCH_SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');
const WARM_UP_SECONDS = 0.4;
const TARGET_OPS = 20_000;
const CHUNK = 1_000;

const deps = { now: () => new Date(), httpGetText: async (): Promise<string> => '' };
const receivedAt = new Date();

interface ChatBench {
  label: string;
  adapter: ProviderAdapter;
  channel: ChannelContext;
  credentials: Record<string, unknown>;
  request: WebhookRequest;
  /** Events one call must yield, so a silent failure cannot look fast. */
  events: number;
}

function fixture(provider: string, name: string): Buffer {
  return readFileSync(join(ADAPTERS_SOURCE, provider, 'fixtures', name));
}

function channelOf(channelType: ChannelContext['channel_type']): ChannelContext {
  return { id: '3f0a8c2e-7b1d-4c59-9e26-5d8b1a7c4f03', account_id: 'a41c7e09-2d5b-4f86-8b3a-9c0e6d2f1b57', channel_type: channelType };
}

function hubSignature(body: Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

function telegramBench(): ChatBench {
  const secret = 'Bench_secret-token_0123456789abcdef';
  const rawBody = fixture('telegram', 'text-message.json');
  return {
    label: 'telegram (text message)',
    adapter: createTelegramAdapter(deps),
    channel: channelOf('telegram'),
    credentials: { bot_token: '1:bench', webhook_secret: secret },
    request: {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/telegram/c',
      headers: { 'x-telegram-bot-api-secret-token': secret },
      rawBody,
    },
    events: 1,
  };
}

function whatsAppBench(label: string, rawBody: Buffer, events: number): ChatBench {
  const appSecret = 'bench_app_secret';
  return {
    label,
    adapter: createWhatsAppAdapter(deps),
    channel: channelOf('whatsapp'),
    credentials: { app_secret: appSecret, verify_token: 'vt' },
    request: {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/whatsapp/c',
      headers: { 'x-hub-signature-256': hubSignature(rawBody, appSecret) },
      rawBody,
    },
    events,
  };
}

function messengerBench(): ChatBench {
  const appSecret = 'bench_app_secret';
  const rawBody = fixture('messenger', 'delivery-read-postback-echo.json');
  return {
    label: 'messenger (delivery, read, postback, echo)',
    adapter: createMessengerAdapter(deps),
    channel: channelOf('messenger'),
    credentials: { app_secret: appSecret },
    request: {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/messenger/c',
      headers: { 'x-hub-signature-256': hubSignature(rawBody, appSecret) },
      rawBody,
    },
    events: 3,
  };
}

function smsBench(): ChatBench {
  const authToken = '0123456789abcdef0123456789abcdef';
  const url = 'https://hooks.example.com/webhooks/sms/3f0a8c2e-7b1d-4c59-9e26-5d8b1a7c4f03';
  const params = JSON.parse(fixture('sms', 'inbound-sms.json').toString('utf8')) as Record<string, string>;
  // Twilio's scheme by hand: URL, then each name+value in name order, HMAC-SHA1, base64.
  const signed =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  const signature = createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
  return {
    label: 'sms (Twilio inbound SMS, form)',
    adapter: createSmsAdapter(deps),
    channel: channelOf('sms'),
    credentials: { account_sid: params['AccountSid'], auth_token: authToken },
    request: {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      rawBody: Buffer.from(new URLSearchParams(params).toString()),
    },
    events: 1,
  };
}

/** 100 statuses in one call, as Meta batches them during a campaign. */
function whatsAppStatusBatch(): Buffer {
  const sample = JSON.parse(fixture('whatsapp', 'status-delivered.json').toString('utf8')) as {
    entry: Array<{ changes: Array<{ value: { statuses: Array<Record<string, unknown>> } }> }>;
  };
  const template = sample.entry[0].changes[0].value.statuses[0];
  sample.entry[0].changes[0].value.statuses = Array.from({ length: 100 }, (_, index) => ({
    ...template,
    id: `wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI${index.toString(36).padStart(6, '0')}`,
    status: ['sent', 'delivered', 'read'][index % 3],
  }));
  return Buffer.from(JSON.stringify(sample));
}

/** verify + parse in a loop for about `seconds`; calls per second. */
async function measure(bench: ChatBench, seconds: number): Promise<number> {
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  let elapsedNs = 0n;
  let calls = 0;
  while (elapsedNs < budgetNs) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < CHUNK; index += 1) {
      const verified = await bench.adapter.verify(bench.request, bench.credentials);
      if (!verified.ok) throw new Error(`${bench.label}: verify refused (${verified.reason})`);
      const parsed = bench.adapter.parse(bench.request, bench.channel, receivedAt);
      if (!parsed.ok || parsed.events.inbound.length + parsed.events.statuses.length !== bench.events) {
        throw new Error(`${bench.label}: parse did not yield ${bench.events} events`);
      }
    }
    elapsedNs += process.hrtime.bigint() - started;
    calls += CHUNK;
  }
  return calls / (Number(elapsedNs) / 1e9);
}

async function main(): Promise<void> {
  const perProvider = [
    telegramBench(),
    whatsAppBench('whatsapp (text message)', fixture('whatsapp', 'text-message.json'), 1),
    messengerBench(),
    smsBench(),
  ];
  const storm = whatsAppBench('whatsapp (100 statuses in one call)', whatsAppStatusBatch(), 100);
  console.log(
    `chat adapters: verify + parse per second (Node ${process.version}, ${BENCH_SECONDS} s each after ${WARM_UP_SECONDS} s warm-up)\n`,
  );
  console.log(`${'case'.padEnd(44)}${'ops/s'.padStart(10)}${'µs/op'.padStart(9)}${'events/s'.padStart(12)}  target`);
  let belowTarget = false;
  for (const bench of [...perProvider, storm]) {
    await measure(bench, WARM_UP_SECONDS);
    const opsPerSecond = await measure(bench, BENCH_SECONDS);
    const counted = bench !== storm;
    const verdict = !counted ? 'measured' : opsPerSecond >= TARGET_OPS ? `≥ ${TARGET_OPS} ok` : `< ${TARGET_OPS} BELOW`;
    belowTarget ||= counted && opsPerSecond < TARGET_OPS;
    console.log(
      `${bench.label.padEnd(44)}${Math.round(opsPerSecond).toLocaleString('en-US').padStart(10)}${(1e6 / opsPerSecond).toFixed(1).padStart(9)}` +
        `${Math.round(opsPerSecond * bench.events)
          .toLocaleString('en-US')
          .padStart(12)}  ${verdict}`,
    );
  }
  if (belowTarget) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

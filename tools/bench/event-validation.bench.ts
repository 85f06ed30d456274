/**
 * Event decoding micro-benchmark: what each worker spends per message before touching the
 * database, in process, on one core. For each event kind, JSON.parse alone and then
 * decodeEvent (parse + the contract's checks), each timed for about BENCH_SECONDS (default 1.5)
 * after a warm-up over BENCH_BODIES (default 10,000) distinct bodies.
 *
 *   npx ts-node --project tools/tsconfig.tools.json -r tsconfig-paths/register tools/bench/event-validation.bench.ts
 */
import { decodeEvent, type EventContract, InboundMessageEvent, StatusUpdateEvent } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';

const BENCH_SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');
const BODIES = Number(process.env['BENCH_BODIES'] ?? '10000');

function inboundBody(i: number): Buffer {
  const event: InboundMessageEvent = {
    event_id: randomUUID(),
    channel_id: randomUUID(),
    account_id: randomUUID(),
    channel_type: 'whatsapp',
    provider_message_id: `wamid.HBgLMTU1NTAxMjM0NTYVAgASGBQzQTdCNUY${i}`,
    sender_address: `1555${String(i).padStart(7, '0')}`,
    sender_name: 'Ada Lovelace',
    message_body: 'Hello, is the order on its way?',
    timestamp: new Date(1_772_359_200_000 + i).toISOString(),
    metadata: { wa_id: `1555${i}`, phone_number_id: '106540352242922' },
    received_at: new Date().toISOString(),
  };
  return Buffer.from(JSON.stringify(event));
}

function statusBody(i: number): Buffer {
  const event: StatusUpdateEvent = {
    event_id: randomUUID(),
    channel_id: randomUUID(),
    account_id: randomUUID(),
    channel_type: 'whatsapp',
    provider_message_id: `wamid.HBgLMTU1NTAxMjM0NTYVAgASGBQzQTdCNUY${i}`,
    status: ['sent', 'delivered', 'read'][i % 3],
    timestamp: new Date(1_772_359_200_000 + i).toISOString(),
    metadata: { provider_status: 'delivered', conversation_id: 'c1a2b3' },
    received_at: new Date().toISOString(),
  };
  return Buffer.from(JSON.stringify(event));
}

/** Nanoseconds per call of `work` over the bodies, round after round, for about BENCH_SECONDS. */
function nanosecondsPerCall(bodies: readonly Buffer[], work: (body: Buffer) => unknown): number {
  for (const body of bodies) work(body);
  let calls = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(BENCH_SECONDS * 1e9));
  let now = started;
  while (now < deadline) {
    for (const body of bodies) work(body);
    calls += bodies.length;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / calls;
}

function bench<T>(label: string, contract: EventContract<T>, makeBody: (i: number) => Buffer): void {
  const bodies = Array.from({ length: BODIES }, (_, i) => makeBody(i));
  const refused = bodies.filter((body) => !decodeEvent(contract, body).ok).length;
  if (refused > 0) throw new Error(`${label}: ${refused} of the sample bodies were refused`);
  const parse = nanosecondsPerCall(bodies, (body) => JSON.parse(body.toString('utf8')));
  const decode = nanosecondsPerCall(bodies, (body) => decodeEvent(contract, body));
  process.stdout.write(
    `${label.padEnd(16)} JSON.parse ${(parse / 1000).toFixed(2)} µs  decodeEvent ${(decode / 1000).toFixed(2)} µs  checks ${((decode - parse) / 1000).toFixed(2)} µs per event\n`,
  );
}

bench('inbound message', InboundMessageEvent, inboundBody);
bench('status update', StatusUpdateEvent, statusBody);

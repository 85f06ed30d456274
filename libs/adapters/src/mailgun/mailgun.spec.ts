import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { ChannelContext, WebhookRequest } from '../shared/adapter.types';
import { AdapterRegistry } from '../registry';
import { deterministicEventId } from '../shared/event-id';
import { createMailgunAdapter } from './mailgun.adapter';
import { MailgunReplayGuard } from './mailgun.replay-guard';

const channel: ChannelContext = {
  id: '9c3f7a10-5b2d-4e8f-a1c6-d4e2b7f09a33',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const receivedAt = new Date('2026-02-12T18:26:13.000Z');
// The documented test vector was signed at 1770920772.
const vectorSeconds = 1770920772;
const signingKey = 'key-test-signing-key';
const credentials = { provider: 'mailgun', signing_key: signingKey };

const fixtureText = readFileSync(join(__dirname, 'fixtures', 'failed-permanent.json'), 'utf8');
const fixture = JSON.parse(fixtureText) as { 'event-data': Record<string, unknown> };

let clock = new Date(vectorSeconds * 1000);
const newAdapter = () => createMailgunAdapter({ now: () => clock, httpGetText: () => Promise.reject(new Error('no network')) });

function requestOf(body: string | Buffer): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(body),
  };
}

/** A body signed as Mailgun signs it, with a fresh token. */
function signedBody(eventData: Record<string, unknown>, options: { timestamp?: number; key?: string; token?: string } = {}): string {
  const timestamp = String(options.timestamp ?? Math.floor(clock.getTime() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', options.key ?? signingKey)
    .update(timestamp + token)
    .digest('hex');
  return JSON.stringify({ signature: { token, timestamp, signature }, 'event-data': eventData });
}

function eventData(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'Ase7i2zsRYeDXztHGENqRA',
    timestamp: 1770918175.5923693,
    recipient: 'alice@example.com',
    message: { headers: { 'message-id': '20260212174255.58bbb7ce85a423e5@mailgun.com' } },
    ...overrides,
  };
}

function statusesOf(body: string | Buffer): StatusUpdateEvent[] {
  const result = newAdapter().parse(requestOf(body), channel, receivedAt);
  if (!result.ok) throw new Error(`parse failed: ${result.error.detail}`);
  expect(result.events.inbound).toEqual([]);
  for (const status of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, status)).toMatchObject({ ok: true });
  }
  return result.events.statuses;
}

beforeEach(() => {
  clock = new Date(vectorSeconds * 1000);
});

describe('Mailgun adapter: signature', () => {
  it('accepts the documented test vector (docs/PROVIDERS.md, Mailgun)', async () => {
    await expect(newAdapter().verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: true });
  });

  it('refuses the token of an accepted call a second time as replayed, on the same adapter instance', async () => {
    const adapter = newAdapter();
    const call = requestOf(fixtureText);
    await expect(adapter.verify(call, credentials)).resolves.toEqual({ ok: true });
    adapter.accepted(call);
    await expect(adapter.verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: false, reason: 'replayed' });
    clock = new Date((vectorSeconds + 200) * 1000);
    await expect(adapter.verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: false, reason: 'replayed' });
    clock = new Date((vectorSeconds + 301) * 1000);
    await expect(adapter.verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('takes the retry of a call that was verified but not accepted (answered 503): the token is kept only once accepted', async () => {
    const adapter = newAdapter();
    await expect(adapter.verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: true });
    // The publish failed: the gateway answered 503 and never called accepted().
    await expect(adapter.verify(requestOf(fixtureText), credentials)).resolves.toEqual({ ok: true });
  });

  it('does not remember the token of a call it rejected', async () => {
    const adapter = newAdapter();
    const token = randomBytes(25).toString('hex');
    await expect(
      adapter.verify(requestOf(signedBody(eventData({ event: 'delivered' }), { token, key: 'another-key' })), credentials),
    ).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    await expect(adapter.verify(requestOf(signedBody(eventData({ event: 'delivered' }), { token })), credentials)).resolves.toEqual({
      ok: true,
    });
  });

  it('accepts a numeric timestamp and a parent-signature made with the configured key', async () => {
    const adapter = newAdapter();
    const token = randomBytes(25).toString('hex');
    const signature = createHmac('sha256', signingKey).update(`${vectorSeconds}${token}`).digest('hex');
    const body = JSON.stringify({
      signature: { token, timestamp: vectorSeconds, signature: 'f'.repeat(64), 'parent-signature': signature },
      'event-data': eventData({ event: 'delivered' }),
    });
    await expect(adapter.verify(requestOf(body), credentials)).resolves.toEqual({ ok: true });
  });

  it.each([
    ['no signature object', JSON.stringify({ 'event-data': { event: 'delivered' } })],
    ['no token', JSON.stringify({ signature: { timestamp: '1770920772', signature: 'ab' } })],
    ['no timestamp', JSON.stringify({ signature: { token: 'abc', signature: 'ab' } })],
    ['no signature value', JSON.stringify({ signature: { token: 'abc', timestamp: '1770920772' } })],
    ['a signature that is not an object', JSON.stringify({ signature: 'abc' })],
    ['a body that is not JSON', 'token=abc&timestamp=1770920772&signature=ab'],
    ['an empty body', ''],
  ])('answers missing_signature for %s', async (_label, body) => {
    await expect(newAdapter().verify(requestOf(body), credentials)).resolves.toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('rejects a tampered token, timestamp or signature', async () => {
    const vector = JSON.parse(fixtureText) as { signature: Record<string, string> };
    const tamper = (field: string, value: string) => JSON.stringify({ ...vector, signature: { ...vector.signature, [field]: value } });
    const flipped = (text: string) => text.slice(0, -1) + (text.endsWith('0') ? '1' : '0');
    for (const body of [
      tamper('token', flipped(vector.signature.token)),
      tamper('signature', flipped(vector.signature.signature)),
      tamper('signature', vector.signature.signature.toUpperCase()),
      tamper('timestamp', String(vectorSeconds + 1)),
    ]) {
      await expect(newAdapter().verify(requestOf(body), credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a call signed with another key', async () => {
    await expect(
      newAdapter().verify(requestOf(signedBody(eventData({ event: 'delivered' }), { key: 'key-other' })), credentials),
    ).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each([
    ['301 s old', -301],
    ['301 s in the future', 301],
  ])('rejects a timestamp %s as stale_timestamp', async (_label, offset) => {
    const body = signedBody(eventData({ event: 'delivered' }), { timestamp: vectorSeconds + offset });
    await expect(newAdapter().verify(requestOf(body), credentials)).resolves.toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it.each([
    ['no key', { provider: 'mailgun' }],
    ['an empty key', { provider: 'mailgun', signing_key: '' }],
    ['a boolean', { provider: 'mailgun', signing_key: true }],
    ['null', { provider: 'mailgun', signing_key: null }],
  ])('answers missing_credentials for %s', async (_label, badCredentials) => {
    await expect(newAdapter().verify(requestOf(fixtureText), badCredentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('accepts a fresh token for every call (property), and never one signed with another key', async () => {
    const adapter = newAdapter();
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.boolean(), async (otherKey, useOtherKey) => {
        fc.pre(otherKey !== signingKey);
        const body = signedBody(eventData({ event: 'opened' }), { key: useOtherKey ? otherKey : signingKey });
        await expect(adapter.verify(requestOf(body), credentials)).resolves.toEqual(
          useOtherKey ? { ok: false, reason: 'bad_signature' } : { ok: true },
        );
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary bodies and credentials (property)', async () => {
    const adapter = newAdapter();
    const signatureObject = fc.record(
      { token: fc.jsonValue(), timestamp: fc.oneof(fc.jsonValue(), fc.constant(String(vectorSeconds))), signature: fc.jsonValue() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
          fc.record({ signature: signatureObject }).map((value) => Buffer.from(JSON.stringify(value))),
        ),
        fc.oneof(fc.anything(), fc.record({ signing_key: fc.anything() })),
        async (rawBody, anyCredentials) => {
          const result = await adapter.verify(
            { method: 'POST', url: '/', headers: {}, rawBody },
            anyCredentials as Record<string, unknown>,
          );
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Mailgun replay guard', () => {
  it('forgets tokens once their lifetime is over and stays within its size bound', () => {
    const guard = new MailgunReplayGuard(3);
    expect(guard.seen('a', 0)).toBe(false);
    guard.remember('a', 1_000, 0);
    expect(guard.seen('a', 500)).toBe(true);
    expect(guard.seen('a', 1_000)).toBe(false);
    for (const token of ['b', 'c', 'd', 'e']) guard.remember(token, 10_000, 1_000);
    expect(guard.size).toBe(3);
    expect(guard.seen('e', 2_000)).toBe(true);
    expect(guard.seen('b', 2_000)).toBe(false);
    guard.remember('z', 20_000, 11_000);
    expect(guard.seen('z', 11_000)).toBe(true);
    expect(guard.size).toBe(1);
  });
});

describe('Mailgun adapter: parsing', () => {
  it('turns the documented permanent failure into one failed status', () => {
    expect(statusesOf(fixtureText)).toEqual([
      {
        event_id: deterministicEventId(channel.id, '2kFItcrLQuKTdp-Ia2Xr7w'),
        channel_id: channel.id,
        account_id: channel.account_id,
        channel_type: 'email',
        provider_message_id: '20260212174255.58bbb7ce85a423e5@mailgun.com',
        recipient_address: 'badrecipient@sample.mailgun.com',
        status: 'failed',
        timestamp: '2026-02-12T17:42:55.592Z',
        error_code: '5.5.0',
        error_message: '5.5.0 Requested action not taken: mailbox unavailable',
        metadata: {
          recipient: 'badrecipient@sample.mailgun.com',
          provider_event_id: '2kFItcrLQuKTdp-Ia2Xr7w',
          provider_status: 'failed',
          tags: ['webhook_payload'],
          severity: 'permanent',
          reason: 'bounce',
          bounce_type: 'hard',
        },
        received_at: '2026-02-12T18:26:13.000Z',
      },
    ]);
  });

  it('turns a temporary failure into deferred, with the retry delay', () => {
    const temporary = {
      ...fixture['event-data'],
      severity: 'temporary',
      reason: 'generic',
      'delivery-status': { code: 452, message: '4.2.2 Mailbox full', 'enhanced-code': '4.2.2', 'retry-seconds': 600 },
    };
    expect(statusesOf(signedBody(temporary))).toMatchObject([
      {
        status: 'deferred',
        error_code: '4.2.2',
        error_message: '4.2.2 Mailbox full',
        metadata: { severity: 'temporary', retry_seconds: 600 },
      },
    ]);
  });

  it.each([
    ['accepted', 'queued'],
    ['delivered', 'delivered'],
    ['opened', 'read'],
    ['clicked', 'clicked'],
    ['complained', 'complained'],
    ['unsubscribed', 'unsubscribed'],
    ['rejected', 'failed'],
  ])('maps %s to %s', (event, status) => {
    expect(statusesOf(signedBody(eventData({ event })))).toMatchObject([
      { status, provider_message_id: '20260212174255.58bbb7ce85a423e5@mailgun.com' },
    ]);
  });

  it('keeps the clicked url and the rejection reason', () => {
    expect(statusesOf(signedBody(eventData({ event: 'clicked', url: 'https://example.com/a' })))).toMatchObject([
      { metadata: { url: 'https://example.com/a' } },
    ]);
    expect(
      statusesOf(signedBody(eventData({ event: 'rejected', reject: { reason: 'hacked', description: 'Sending disabled' } }))),
    ).toMatchObject([{ status: 'failed', error_message: 'Sending disabled', metadata: { reason: 'hacked' } }]);
  });

  it('strips angle brackets from the message id', () => {
    expect(
      statusesOf(signedBody(eventData({ event: 'delivered', message: { headers: { 'message-id': '<abc@mailgun.org>' } } }))),
    ).toMatchObject([{ provider_message_id: 'abc@mailgun.org' }]);
  });

  it('gives no status for stored mail, events naming no message, or unknown lifecycle words', () => {
    expect(statusesOf(signedBody(eventData({ event: 'stored' })))).toEqual([]);
    expect(statusesOf(signedBody({ event: 'delivered', id: 'x', timestamp: 1770918175 }))).toEqual([]);
    expect(statusesOf(signedBody(eventData({ event: 'sent' })))).toEqual([]);
    expect(statusesOf(signedBody(eventData({ event: 'list_member_uploaded' })))).toMatchObject([{ status: 'list_member_uploaded' }]);
  });

  it('gives the same ids when the same call is parsed twice, and distinct ids for distinct events', () => {
    const body = signedBody(eventData({ event: 'opened' }));
    const first = statusesOf(body)[0].event_id;
    expect(statusesOf(body)[0].event_id).toBe(first);
    // A retry re-signs the body with a new token; the event id stays the event's own.
    expect(statusesOf(signedBody(eventData({ event: 'opened' })))[0].event_id).toBe(first);
    expect(statusesOf(signedBody(eventData({ event: 'opened', id: 'other-event' })))[0].event_id).not.toBe(first);
  });

  it('answers invalid_json for a body that is not JSON', () => {
    expect(newAdapter().parse(requestOf('{'), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_json' } });
  });

  it.each(['{}', '[]', '{"event-data":{}}', '{"event-data":"delivered"}'])('answers invalid_payload for %s', (body) => {
    expect(newAdapter().parse(requestOf(body), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it('never throws and only produces valid events on arbitrary input (property)', () => {
    const adapter = newAdapter();
    const data = fc.record(
      {
        event: fc.oneof(fc.constantFrom('failed', 'delivered', 'clicked', 'rejected'), fc.string()),
        id: fc.jsonValue(),
        timestamp: fc.oneof(fc.double(), fc.string()),
        severity: fc.string(),
        'delivery-status': fc.dictionary(fc.constantFrom('code', 'message', 'enhanced-code', 'retry-seconds'), fc.jsonValue()),
        message: fc.record({ headers: fc.record({ 'message-id': fc.oneof(fc.string(), fc.jsonValue()) }) }),
      },
      { requiredKeys: ['event'] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
          data.map((value) => Buffer.from(JSON.stringify({ 'event-data': value }))),
        ),
        (rawBody) => {
          const result = adapter.parse({ method: 'POST', url: '/', headers: {}, rawBody }, channel, receivedAt);
          if (result.ok) {
            for (const status of result.events.statuses) expect(validateEvent(StatusUpdateEvent, status).ok).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('registry', () => {
  it('picks this adapter for an email channel whose credentials name provider mailgun', () => {
    const registry = new AdapterRegistry({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    expect(registry.resolve('email', { provider: 'mailgun' })?.provider).toBe('mailgun');
    expect(AdapterRegistry.supportedEmailProviders()).toContain('mailgun');
  });
});

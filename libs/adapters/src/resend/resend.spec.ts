import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import { Webhook } from 'standardwebhooks';
import type { ChannelContext, WebhookRequest } from '../shared/adapter.types';
import { AdapterRegistry } from '../registry';
import { deterministicEventId } from '../shared/event-id';
import { createResendAdapter } from './resend.adapter';

const channel: ChannelContext = {
  id: '6f1c1b7e-2f43-4d6b-9a53-3b0c3f4a1d20',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const receivedAt = new Date('2026-01-15T12:00:06.000Z');
const now = new Date('2026-01-15T12:00:05.000Z');
const nowSeconds = Math.floor(now.getTime() / 1000);

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const credentials = { provider: 'resend', webhook_secret: secret };

const adapter = createResendAdapter({ now: () => now, httpGetText: () => Promise.reject(new Error('no network')) });

const bouncedFixture = readFileSync(join(__dirname, 'fixtures', 'email-bounced.json'));

function signedRequest(body: Buffer | string, options: { id?: string; timestamp?: number; signingSecret?: string } = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const id = options.id ?? 'msg_2Lh9KRb0pzN5r8mP1tW3vX4yZ6a';
  const timestamp = options.timestamp ?? nowSeconds;
  const signature = new Webhook(options.signingSecret ?? secret).sign(id, new Date(timestamp * 1000), rawBody);
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(timestamp),
      'svix-signature': signature,
    },
    rawBody,
  };
}

function eventOf(type: string, data: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type,
    created_at: '2026-01-15T12:00:05.000Z',
    data: { email_id: 'ae2014de-c168-4c61-8267-70d2662a1ce1', to: ['someone@example.com'], ...data },
  });
}

function statusesOf(request: WebhookRequest): StatusUpdateEvent[] {
  const result = adapter.parse(request, channel, receivedAt);
  if (!result.ok) throw new Error(`parse failed: ${result.error.detail}`);
  expect(result.events.inbound).toEqual([]);
  for (const status of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, status)).toMatchObject({ ok: true });
  }
  return result.events.statuses;
}

describe('Resend adapter: signature', () => {
  it('accepts a call signed by the official standardwebhooks library', async () => {
    await expect(adapter.verify(signedRequest(bouncedFixture), credentials)).resolves.toEqual({ ok: true });
  });

  it('reproduces the Standard Webhooks specification vector', async () => {
    const vectorAdapter = createResendAdapter({
      now: () => new Date(1614265330 * 1000),
      httpGetText: () => Promise.reject(new Error('no network')),
    });
    const request: WebhookRequest = {
      method: 'POST',
      url: 'https://hooks.example.com/',
      headers: {
        'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'svix-timestamp': '1614265330',
        'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      rawBody: Buffer.from('{"test": 2432232314}'),
    };
    const vectorCredentials = { provider: 'resend', webhook_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    await expect(vectorAdapter.verify(request, vectorCredentials)).resolves.toEqual({ ok: true });
  });

  it('agrees with the official library on a signature computed by hand', async () => {
    const rawBody = Buffer.from(eventOf('email.delivered') + '\r\n');
    const id = 'msg_hand_signed';
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const signature = `v1,${createHmac('sha256', key).update(`${id}.${nowSeconds}.`).update(rawBody).digest('base64')}`;
    const headers = { 'svix-id': id, 'svix-timestamp': String(nowSeconds), 'svix-signature': signature };
    const theirs = new Webhook(secret);
    // Their verify reads the real clock; the timestamp is ours, so compare with their signer instead.
    expect(theirs.sign(id, new Date(nowSeconds * 1000), rawBody)).toBe(signature);
    await expect(adapter.verify({ method: 'POST', url: '/', headers, rawBody }, credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts a secret given without the whsec_ prefix, as the official libraries do', async () => {
    const bare = { provider: 'resend', webhook_secret: secret.slice('whsec_'.length) };
    await expect(adapter.verify(signedRequest(bouncedFixture), bare)).resolves.toEqual({ ok: true });
  });

  it('accepts the unbranded webhook-* headers of Standard Webhooks', async () => {
    const request = signedRequest(bouncedFixture);
    const headers = {
      'webhook-id': request.headers['svix-id'],
      'webhook-timestamp': request.headers['svix-timestamp'],
      'webhook-signature': request.headers['svix-signature'],
    };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts any matching entry of a rotated signature header and ignores other versions', async () => {
    const request = signedRequest(bouncedFixture);
    const oldSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const stale = new Webhook(oldSecret).sign('msg_2Lh9KRb0pzN5r8mP1tW3vX4yZ6a', now, bouncedFixture);
    const current = String(request.headers['svix-signature']);
    const rotated = `v2,${current.slice(3)} ${stale} ${current}`;
    await expect(adapter.verify({ ...request, headers: { ...request.headers, 'svix-signature': rotated } }, credentials)).resolves.toEqual({
      ok: true,
    });
    const onlyOther = `${stale} v2,${current.slice(3)}`;
    await expect(
      adapter.verify({ ...request, headers: { ...request.headers, 'svix-signature': onlyOther } }, credentials),
    ).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each(['svix-id', 'svix-timestamp', 'svix-signature'])('rejects a call without %s as missing_signature', async (name) => {
    const request = signedRequest(bouncedFixture);
    const headers = { ...request.headers, [name]: undefined };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('rejects an empty signature header as missing_signature', async () => {
    const request = signedRequest(bouncedFixture);
    const headers = { ...request.headers, 'svix-signature': '' };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('rejects a body with one byte changed, added or removed', async () => {
    const request = signedRequest(bouncedFixture);
    const tampered = Buffer.from(bouncedFixture);
    tampered[10] ^= 0x01;
    for (const rawBody of [tampered, Buffer.concat([bouncedFixture, Buffer.from('\n')]), bouncedFixture.subarray(1)]) {
      await expect(adapter.verify({ ...request, rawBody }, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a changed message id (it is part of the signed content)', async () => {
    const request = signedRequest(bouncedFixture);
    const headers = { ...request.headers, 'svix-id': 'msg_other' };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a call signed with another secret', async () => {
    const request = signedRequest(bouncedFixture, { signingSecret: `whsec_${randomBytes(24).toString('base64')}` });
    await expect(adapter.verify(request, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['301 s old', -301],
    ['301 s in the future', 301],
    ['a day old', -86_400],
  ])('rejects a timestamp %s as stale_timestamp', async (_label, offset) => {
    const request = signedRequest(bouncedFixture, { timestamp: nowSeconds + offset });
    await expect(adapter.verify(request, credentials)).resolves.toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it.each([-300, 300])('accepts a timestamp exactly %i s away', async (offset) => {
    const request = signedRequest(bouncedFixture, { timestamp: nowSeconds + offset });
    await expect(adapter.verify(request, credentials)).resolves.toEqual({ ok: true });
  });

  it.each(['1.7e9', '-1768478405', ' 1768478405', 'now'])('rejects the non-numeric timestamp %p', async (timestamp) => {
    const request = signedRequest(bouncedFixture);
    const headers = { ...request.headers, 'svix-timestamp': timestamp };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['no secret', { provider: 'resend' }],
    ['an empty secret', { provider: 'resend', webhook_secret: '' }],
    ['only the prefix', { provider: 'resend', webhook_secret: 'whsec_' }],
    ['a number', { provider: 'resend', webhook_secret: 42 }],
    ['an object', { provider: 'resend', webhook_secret: { value: secret } }],
  ])('answers missing_credentials for %s', async (_label, badCredentials) => {
    await expect(adapter.verify(signedRequest(bouncedFixture), badCredentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('never throws and never accepts a signature made with another key (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string(), async (otherKey, body) => {
        const otherSecret = `whsec_${Buffer.from(otherKey).toString('base64')}`;
        fc.pre(otherSecret !== secret);
        const result = await adapter.verify(signedRequest(body, { signingSecret: otherSecret }), credentials);
        expect(result).toEqual({ ok: false, reason: 'bad_signature' });
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary headers, bodies and credentials (property)', async () => {
    const headerValue = fc.option(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ 'svix-id': headerValue, 'svix-timestamp': headerValue, 'svix-signature': headerValue, 'webhook-id': headerValue }),
        fc.uint8Array({ maxLength: 256 }),
        fc.oneof(fc.anything(), fc.record({ webhook_secret: fc.anything() })),
        async (headers, body, anyCredentials) => {
          const result = await adapter.verify(
            { method: 'POST', url: '/', headers, rawBody: Buffer.from(body) },
            anyCredentials as Record<string, unknown>,
          );
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Resend adapter: parsing', () => {
  it('turns the documented email.bounced sample into one failed status', () => {
    const request = signedRequest(bouncedFixture);
    expect(statusesOf(request)).toEqual([
      {
        event_id: deterministicEventId(channel.id, 'msg_2Lh9KRb0pzN5r8mP1tW3vX4yZ6a', 'email.bounced'),
        channel_id: channel.id,
        account_id: channel.account_id,
        channel_type: 'email',
        provider_message_id: 'ae2014de-c168-4c61-8267-70d2662a1ce1',
        recipient_address: 'bounced@resend.dev',
        status: 'failed',
        timestamp: '2026-01-15T12:00:05.000Z',
        error_code: 'Permanent/General',
        error_message: "The recipient's email address does not exist.",
        metadata: {
          recipient: 'bounced@resend.dev',
          provider_event_id: 'msg_2Lh9KRb0pzN5r8mP1tW3vX4yZ6a',
          provider_status: 'email.bounced',
          bounce_type: 'Permanent',
          bounce_sub_type: 'General',
        },
        received_at: '2026-01-15T12:00:06.000Z',
      },
    ]);
  });

  it.each([
    ['email.scheduled', 'queued'],
    ['email.sent', 'sent'],
    ['email.delivered', 'delivered'],
    ['email.delivery_delayed', 'deferred'],
    ['email.complained', 'complained'],
    ['email.opened', 'read'],
    ['email.clicked', 'clicked'],
    ['email.failed', 'failed'],
    ['email.suppressed', 'failed'],
  ])('maps %s to %s', (type, status) => {
    const [event] = statusesOf(signedRequest(eventOf(type)));
    expect(event).toMatchObject({ status, provider_message_id: 'ae2014de-c168-4c61-8267-70d2662a1ce1' });
  });

  it('keeps the clicked link, the failure reason and the suppression kind', () => {
    const [clicked] = statusesOf(
      signedRequest(
        eventOf('email.clicked', {
          click: { link: 'https://acme.com/welcome', ipAddress: '192.0.2.1', timestamp: '2026-01-15T12:00:05.000Z', userAgent: 'x' },
        }),
      ),
    );
    expect(clicked.metadata).toMatchObject({ link: 'https://acme.com/welcome' });
    const [failed] = statusesOf(signedRequest(eventOf('email.failed', { failed: { reason: 'reached_daily_quota' } })));
    expect(failed).toMatchObject({ error_message: 'reached_daily_quota', metadata: { provider_status: 'email.failed' } });
    const [suppressed] = statusesOf(
      signedRequest(eventOf('email.suppressed', { suppressed: { message: 'On the suppression list', type: 'OnAccountSuppressionList' } })),
    );
    expect(suppressed).toMatchObject({
      status: 'failed',
      error_code: 'OnAccountSuppressionList',
      error_message: 'On the suppression list',
    });
  });

  it('makes one status per recipient of an email sent to several, each naming its recipient under its own id', () => {
    const statuses = statusesOf(signedRequest(eventOf('email.delivered', { to: ['a@example.com', 'b@example.com', 'a@example.com'] })));
    expect(statuses).toMatchObject([
      {
        status: 'delivered',
        recipient_address: 'a@example.com',
        metadata: { recipient: 'a@example.com', recipients: ['a@example.com', 'b@example.com'] },
      },
      { status: 'delivered', recipient_address: 'b@example.com', metadata: { recipient: 'b@example.com' } },
    ]);
    expect(statuses[0].event_id).not.toBe(statuses[1].event_id);
  });

  it('records an unknown email event under its own word, but never as a lifecycle status', () => {
    expect(statusesOf(signedRequest(eventOf('email.link_previewed')))).toMatchObject([{ status: 'link_previewed' }]);
    expect(statusesOf(signedRequest(eventOf('email.read')))).toEqual([]);
    expect(statusesOf(signedRequest(eventOf('email.Ünïcode!!')))).toEqual([]);
  });

  it.each(['email.received', 'contact.created', 'domain.updated'])('gives no status for %s', (type) => {
    expect(statusesOf(signedRequest(eventOf(type)))).toEqual([]);
  });

  it('gives no status for an email event without an email_id', () => {
    expect(
      statusesOf(signedRequest(JSON.stringify({ type: 'email.delivered', created_at: '2026-01-15T12:00:05.000Z', data: {} }))),
    ).toEqual([]);
  });

  it('falls back to the receive time when the event time is missing or malformed', () => {
    const body = JSON.stringify({ type: 'email.sent', created_at: 'yesterday', data: { email_id: 'e1', to: [] } });
    expect(statusesOf(signedRequest(body))).toMatchObject([{ timestamp: '2026-01-15T12:00:06.000Z' }]);
  });

  it('gives the same ids when the same call is parsed twice, and distinct ids for distinct events', () => {
    const first = statusesOf(signedRequest(bouncedFixture));
    const again = statusesOf(signedRequest(bouncedFixture));
    const other = statusesOf(signedRequest(bouncedFixture, { id: 'msg_another_delivery' }));
    const delivered = statusesOf(signedRequest(eventOf('email.delivered')));
    expect(again[0].event_id).toBe(first[0].event_id);
    expect(new Set([first[0].event_id, other[0].event_id, delivered[0].event_id]).size).toBe(3);
  });

  it('answers invalid_json for a body that is not JSON', () => {
    expect(adapter.parse(signedRequest('not json'), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_json' } });
  });

  it.each(['[]', '"email.sent"', '{"type":"email.sent"}', '{"data":{}}', 'null'])('answers invalid_payload for %s', (body) => {
    expect(adapter.parse(signedRequest(body), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it('never throws and only produces valid events on arbitrary input (property)', () => {
    const envelope = fc.record({
      type: fc.oneof(fc.constantFrom('email.sent', 'email.bounced', 'email.clicked', 'email.x'), fc.string()),
      created_at: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      ),
      data: fc.dictionary(fc.constantFrom('email_id', 'to', 'bounce', 'click', 'failed'), fc.jsonValue()),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
          envelope.map((value) => Buffer.from(JSON.stringify(value))),
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

  it('reports an invalid receive time instead of throwing', () => {
    expect(adapter.parse(signedRequest(bouncedFixture), channel, new Date(Number.NaN))).toMatchObject({ ok: false });
  });
});

describe('registry', () => {
  it('picks this adapter for an email channel whose credentials name provider resend', () => {
    const registry = new AdapterRegistry({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    expect(registry.resolve('email', { provider: 'resend' })?.provider).toBe('resend');
    expect(AdapterRegistry.supportedEmailProviders()).toContain('resend');
  });
});

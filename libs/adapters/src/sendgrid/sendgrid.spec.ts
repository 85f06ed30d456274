import type * as NodeCrypto from 'node:crypto';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { ChannelContext, WebhookRequest } from '../shared/adapter.types';
import { AdapterRegistry } from '../registry';
import { deterministicEventId } from '../shared/event-id';
import { createSendGridAdapter } from './sendgrid.adapter';

const channel: ChannelContext = {
  id: '2a7e5c31-93f0-4a4e-8d7b-5f7a0c6e1b42',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const receivedAt = new Date('2017-12-15T01:00:00.000Z');
const now = new Date('2017-12-15T00:59:59.000Z');
const nowSeconds = Math.floor(now.getTime() / 1000);

function newKeyPair(): { privateKey: KeyObject; publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

const channelKeys = newKeyPair();
const credentials = { provider: 'sendgrid', verification_key: channelKeys.publicKeyBase64 };
const adapter = createSendGridAdapter({ now: () => now, httpGetText: () => Promise.reject(new Error('no network')) });

// SendGrid posts the batch with a trailing CRLF, which is signed too.
const batchFixture = Buffer.concat([readFileSync(join(__dirname, 'fixtures', 'event-batch.json')), Buffer.from('\r\n')]);

function signedRequest(body: Buffer | string, options: { timestamp?: number; privateKey?: KeyObject } = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const timestamp = String(options.timestamp ?? nowSeconds);
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), rawBody]), options.privateKey ?? channelKeys.privateKey);
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature.toString('base64'),
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
    rawBody,
  };
}

function officialVerify(request: WebhookRequest, publicKeyBase64: string): boolean {
  const official = new EventWebhook();
  return official.verifySignature(
    official.convertPublicKeyToECDSA(publicKeyBase64),
    request.rawBody,
    String(request.headers['x-twilio-email-event-webhook-signature']),
    String(request.headers['x-twilio-email-event-webhook-timestamp']),
  );
}

function statusesOf(body: Buffer | string): StatusUpdateEvent[] {
  const result = adapter.parse(signedRequest(body), channel, receivedAt);
  if (!result.ok) throw new Error(`parse failed: ${result.error.detail}`);
  expect(result.events.inbound).toEqual([]);
  for (const status of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, status)).toMatchObject({ ok: true });
  }
  return result.events.statuses;
}

function batchOf(...events: Array<Record<string, unknown>>): string {
  return JSON.stringify(
    events.map((event, index) => ({
      email: 'alex@example.com',
      timestamp: 1513299569,
      sg_event_id: `event-${index}`,
      sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
      ...event,
    })),
  );
}

describe('SendGrid adapter: signature', () => {
  it('accepts a batch signed with node:crypto, as does the official @sendgrid/eventwebhook', async () => {
    const request = signedRequest(batchFixture);
    expect(officialVerify(request, channelKeys.publicKeyBase64)).toBe(true);
    await expect(adapter.verify(request, credentials)).resolves.toEqual({ ok: true });
  });

  it('verifies the vendor test vector from @sendgrid/eventwebhook (trailing CRLF included)', async () => {
    const vendorKey =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==';
    const payload =
      JSON.stringify([
        {
          email: 'hello@world.com',
          event: 'dropped',
          reason: 'Bounced Address',
          sg_event_id: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA',
          sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
          'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
          timestamp: 1600112492,
        },
      ]) + '\r\n';
    const vectorAdapter = createSendGridAdapter({
      now: () => new Date(1600112502 * 1000),
      httpGetText: () => Promise.reject(new Error('no network')),
    });
    const request: WebhookRequest = {
      method: 'POST',
      url: '/',
      headers: {
        'x-twilio-email-event-webhook-signature':
          'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
        'x-twilio-email-event-webhook-timestamp': '1600112502',
      },
      rawBody: Buffer.from(payload),
    };
    const vectorCredentials = { provider: 'sendgrid', verification_key: vendorKey };
    expect(officialVerify(request, vendorKey)).toBe(true);
    await expect(vectorAdapter.verify(request, vectorCredentials)).resolves.toEqual({ ok: true });

    const withoutCrlf = { ...request, rawBody: Buffer.from(payload.slice(0, -2)) };
    expect(officialVerify(withoutCrlf, vendorKey)).toBe(false);
    await expect(vectorAdapter.verify(withoutCrlf, vectorCredentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });

    expect(vectorAdapter.parse(request, channel, receivedAt)).toMatchObject({
      ok: true,
      events: { statuses: [{ status: 'failed', provider_message_id: 'LRzXl_NHStOGhQ4kofSm_A', error_message: 'Bounced Address' }] },
    });
  });

  it('accepts the key pasted as PEM as well', async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${channelKeys.publicKeyBase64}\n-----END PUBLIC KEY-----\n`;
    await expect(adapter.verify(signedRequest(batchFixture), { provider: 'sendgrid', verification_key: pem })).resolves.toEqual({
      ok: true,
    });
  });

  it.each(['x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp'])(
    'rejects a call without %s as missing_signature',
    async (name) => {
      const request = signedRequest(batchFixture);
      await expect(adapter.verify({ ...request, headers: { ...request.headers, [name]: undefined } }, credentials)).resolves.toEqual({
        ok: false,
        reason: 'missing_signature',
      });
    },
  );

  it('rejects a batch with one byte changed, or without its trailing CRLF', async () => {
    const request = signedRequest(batchFixture);
    const tampered = Buffer.from(batchFixture);
    tampered[42] ^= 0x20;
    for (const rawBody of [tampered, batchFixture.subarray(0, batchFixture.length - 2)]) {
      expect(officialVerify({ ...request, rawBody }, channelKeys.publicKeyBase64)).toBe(false);
      await expect(adapter.verify({ ...request, rawBody }, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a changed timestamp header (it is signed)', async () => {
    const request = signedRequest(batchFixture);
    const headers = { ...request.headers, 'x-twilio-email-event-webhook-timestamp': String(nowSeconds - 1) };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a signature from another key, whichever verifier is asked', async () => {
    const request = signedRequest(batchFixture, { privateKey: newKeyPair().privateKey });
    expect(officialVerify(request, channelKeys.publicKeyBase64)).toBe(false);
    await expect(adapter.verify(request, credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each(['not base64!', 'MEUCIQ', ''])('rejects the malformed signature header %p', async (signature) => {
    const request = signedRequest(batchFixture);
    const headers = { ...request.headers, 'x-twilio-email-event-webhook-signature': signature };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toMatchObject({ ok: false });
  });

  it.each([
    ['301 s old', -301],
    ['301 s in the future', 301],
  ])('rejects a timestamp %s as stale_timestamp', async (_label, offset) => {
    await expect(adapter.verify(signedRequest(batchFixture, { timestamp: nowSeconds + offset }), credentials)).resolves.toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('rejects a non-numeric timestamp', async () => {
    const request = signedRequest(batchFixture);
    const headers = { ...request.headers, 'x-twilio-email-event-webhook-timestamp': '15e8' };
    await expect(adapter.verify({ ...request, headers }, credentials)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['no key', { provider: 'sendgrid' }],
    ['a key that is not base64 DER', { provider: 'sendgrid', verification_key: 'not-a-key' }],
    [
      'an RSA key',
      {
        provider: 'sendgrid',
        verification_key: generateKeyPairSync('rsa', { modulusLength: 1024 })
          .publicKey.export({ type: 'spki', format: 'der' })
          .toString('base64'),
      },
    ],
    [
      'a P-384 key',
      {
        provider: 'sendgrid',
        verification_key: generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          .publicKey.export({ type: 'spki', format: 'der' })
          .toString('base64'),
      },
    ],
    ['a number', { provider: 'sendgrid', verification_key: 7 }],
    ['an array', { provider: 'sendgrid', verification_key: [channelKeys.publicKeyBase64] }],
  ])('answers missing_credentials for %s', async (_label, badCredentials) => {
    await expect(adapter.verify(signedRequest(batchFixture), badCredentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('keeps one parsed key per key string instead of rebuilding it per call', async () => {
    const cryptoModule = jest.requireActual<typeof NodeCrypto>('node:crypto');
    const freshAdapter = createSendGridAdapter({ now: () => now, httpGetText: () => Promise.reject(new Error('no network')) });
    const spy = jest.spyOn(cryptoModule, 'createPublicKey');
    try {
      for (let call = 0; call < 5; call += 1) {
        await expect(freshAdapter.verify(signedRequest(batchFixture), credentials)).resolves.toEqual({ ok: true });
      }
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('never accepts a signature made with another key (property)', async () => {
    const otherKeys = Array.from({ length: 4 }, () => newKeyPair().privateKey);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...otherKeys), fc.string(), async (privateKey, body) => {
        await expect(adapter.verify(signedRequest(body, { privateKey }), credentials)).resolves.toEqual({
          ok: false,
          reason: 'bad_signature',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('never throws on arbitrary headers, bodies and credentials (property)', async () => {
    const headerValue = fc.option(fc.oneof(fc.string(), fc.base64String(), fc.array(fc.string(), { maxLength: 3 })), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          'x-twilio-email-event-webhook-signature': headerValue,
          'x-twilio-email-event-webhook-timestamp': fc.oneof(headerValue, fc.constant(String(nowSeconds))),
        }),
        fc.uint8Array({ maxLength: 256 }),
        fc.oneof(
          fc.anything(),
          fc.record({ verification_key: fc.oneof(fc.anything(), fc.base64String(), fc.constant(channelKeys.publicKeyBase64)) }),
        ),
        async (headers, body, anyCredentials) => {
          const result = await adapter.verify(
            { method: 'POST', url: '/', headers, rawBody: Buffer.from(body) },
            anyCredentials as Record<string, unknown>,
          );
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SendGrid adapter: parsing', () => {
  const common = {
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: 'email',
    provider_message_id: '14c5d75ce93',
    // One X-Message-Id covers every recipient of the API request; this names whose event it is.
    recipient_address: 'alex@example.com',
    timestamp: '2017-12-15T00:59:29.000Z',
    received_at: '2017-12-15T01:00:00.000Z',
  };

  it('turns the documented sample batch into one status per event', () => {
    expect(statusesOf(batchFixture)).toEqual([
      {
        ...common,
        event_id: deterministicEventId(channel.id, 'rbtnWrG1DVDGGGFHFyun0A=='),
        status: 'queued',
        metadata: {
          recipient: 'alex@example.com',
          provider_event_id: 'rbtnWrG1DVDGGGFHFyun0A==',
          provider_status: 'processed',
          sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000',
          category: 'cat facts',
        },
      },
      {
        ...common,
        event_id: deterministicEventId(channel.id, 'rWVYmVk90MjZJ9iohOBa3w=='),
        status: 'delivered',
        metadata: {
          recipient: 'alex@example.com',
          provider_event_id: 'rWVYmVk90MjZJ9iohOBa3w==',
          provider_status: 'delivered',
          sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
          category: 'cat facts',
          response: '250 OK',
        },
      },
      {
        ...common,
        event_id: deterministicEventId(channel.id, '6g4ZI7SA-xmRDv57GoPIPw=='),
        status: 'failed',
        error_code: '5.0.0',
        error_message: '500 unknown recipient',
        metadata: {
          recipient: 'alex@example.com',
          provider_event_id: '6g4ZI7SA-xmRDv57GoPIPw==',
          provider_status: 'bounce',
          sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
          category: 'cat facts',
          bounce_type: 'bounce',
          bounce_classification: 'Invalid Address',
        },
      },
      {
        ...common,
        event_id: deterministicEventId(channel.id, 'FOTFFO0ecsBE-zxFXfs6WA=='),
        status: 'read',
        metadata: {
          recipient: 'alex@example.com',
          provider_event_id: 'FOTFFO0ecsBE-zxFXfs6WA==',
          provider_status: 'open',
          sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
          category: 'cat facts',
          sg_machine_open: false,
        },
      },
    ]);
  });

  it.each([
    ['processed', 'queued'],
    ['deferred', 'deferred'],
    ['delivered', 'delivered'],
    ['open', 'read'],
    ['click', 'clicked'],
    ['bounce', 'failed'],
    ['dropped', 'failed'],
    ['spamreport', 'complained'],
    ['unsubscribe', 'unsubscribed'],
    ['group_unsubscribe', 'unsubscribed'],
    ['group_resubscribe', 'resubscribed'],
  ])('maps %s to %s', (event, status) => {
    expect(statusesOf(batchOf({ event }))).toMatchObject([{ status, provider_message_id: 'LRzXl_NHStOGhQ4kofSm_A' }]);
  });

  it('keeps the bounce type (bounce or blocked), the clicked url and the dropped reason', () => {
    const [blocked, clicked, dropped] = statusesOf(
      batchOf(
        { event: 'bounce', type: 'blocked', status: '4.0.0', reason: 'blocked by policy' },
        { event: 'click', url: 'https://example.com/offer' },
        { event: 'dropped', reason: 'Unsubscribed Address' },
      ),
    );
    expect(blocked).toMatchObject({
      status: 'failed',
      error_code: '4.0.0',
      error_message: 'blocked by policy',
      metadata: { bounce_type: 'blocked', provider_status: 'bounce' },
    });
    expect(clicked.metadata).toMatchObject({ url: 'https://example.com/offer' });
    expect(dropped).toMatchObject({ error_message: 'Unsubscribed Address', metadata: { provider_status: 'dropped' } });
  });

  it('takes the message id from smtp-id when sg_message_id is absent, and skips events naming no message', () => {
    const statuses = statusesOf(
      JSON.stringify([
        {
          event: 'bounce',
          email: 'a@example.com',
          timestamp: 1513299569,
          sg_event_id: 'e1',
          'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
        },
        { event: 'bounce', email: 'a@example.com', timestamp: 1513299569, sg_event_id: 'e2' },
        { event: 'account_status_change', timestamp: 1513299569, sg_event_id: 'e3', type: 'compliance_suspend' },
      ]),
    );
    expect(statuses).toMatchObject([{ event_id: deterministicEventId(channel.id, 'e1'), provider_message_id: 'LRzXl_NHStOGhQ4kofSm_A' }]);
  });

  it('records an unknown event under its own word, but never as a lifecycle status', () => {
    expect(statusesOf(batchOf({ event: 'machine_opened' }))).toMatchObject([{ status: 'machine_opened' }]);
    expect(statusesOf(batchOf({ event: 'sent' }))).toEqual([]);
    expect(statusesOf(batchOf({ event: '<script>' }))).toEqual([]);
  });

  it('gives the same ids when the same batch is parsed twice, and distinct ids for distinct events', () => {
    const first = statusesOf(batchFixture).map((status) => status.event_id);
    const again = statusesOf(batchFixture).map((status) => status.event_id);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('identifies an event without sg_event_id by what it says', () => {
    const body = JSON.stringify([
      { event: 'open', email: 'a@example.com', timestamp: 1513299569, sg_message_id: 'abc.1' },
      { event: 'open', email: 'a@example.com', timestamp: 1513299570, sg_message_id: 'abc.1' },
    ]);
    const [first, second] = statusesOf(body);
    expect(first.event_id).not.toBe(second.event_id);
    expect(statusesOf(body)[0].event_id).toBe(first.event_id);
  });

  it('accepts an empty batch', () => {
    expect(statusesOf('[]')).toEqual([]);
  });

  it('answers invalid_json for a body that is not JSON', () => {
    expect(adapter.parse(signedRequest('[{"event":'), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_json' } });
  });

  it.each(['{"event":"open"}', 'null', '"events"'])('answers invalid_payload for %s, which is no batch at all', (body) => {
    expect(adapter.parse(signedRequest(body), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it('skips and counts the elements that are not events, and keeps every good one of the batch', () => {
    const good = JSON.parse(batchFixture.toString('utf8')) as unknown[];
    const body = JSON.stringify([1, ...good.slice(0, 2), { email: 'a@example.com' }, null, 'x', ...good.slice(2)]);
    const result = adapter.parse(signedRequest(body), channel, receivedAt);
    expect(result).toMatchObject({ ok: true, events: { skipped: { unreadable_item: 4 } } });
    expect(result.ok && result.events.statuses.map((status) => status.event_id)).toEqual(
      statusesOf(batchFixture).map((status) => status.event_id),
    );
    // A clean batch reports nothing skipped.
    const clean = adapter.parse(signedRequest(batchFixture), channel, receivedAt);
    expect(clean.ok && clean.events.skipped).toBeUndefined();
  });

  it('never throws and only produces valid events on arbitrary input (property)', () => {
    const event = fc.record(
      {
        event: fc.oneof(fc.constantFrom('processed', 'bounce', 'click', 'open', 'deferred'), fc.string()),
        timestamp: fc.oneof(fc.integer(), fc.double(), fc.string()),
        sg_event_id: fc.string(),
        sg_message_id: fc.string(),
        'smtp-id': fc.string(),
        status: fc.oneof(fc.string(), fc.integer()),
        reason: fc.string({ maxLength: 5000 }),
        category: fc.jsonValue(),
      },
      { requiredKeys: ['event'] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
          fc.array(event, { maxLength: 4 }).map((value) => Buffer.from(JSON.stringify(value))),
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
  it('picks this adapter for an email channel whose credentials name provider sendgrid', () => {
    const registry = new AdapterRegistry({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    expect(registry.resolve('email', { provider: 'sendgrid' })?.provider).toBe('sendgrid');
    expect(AdapterRegistry.supportedEmailProviders()).toContain('sendgrid');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { ChannelContext, WebhookRequest } from '../shared/adapter.types';
import { AdapterRegistry } from '../registry';
import { deterministicEventId } from '../shared/event-id';
import { createPostmarkAdapter } from './postmark.adapter';

const channel: ChannelContext = {
  id: 'c81d4e2a-7b3f-4c5d-9e6f-0a1b2c3d4e5f',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const receivedAt = new Date('2026-02-13T18:19:45.000Z');
const credentials = { provider: 'postmark', basic_auth_username: 'postmark-hooks', basic_auth_password: 'Zq8#r5-long-and-random' };
const adapter = createPostmarkAdapter({ now: () => receivedAt, httpGetText: () => Promise.reject(new Error('no network')) });

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** `null` sends no Authorization header. */
function requestOf(
  body: Buffer | string,
  authorization: string | null = basic('postmark-hooks', 'Zq8#r5-long-and-random'),
): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: { 'content-type': 'application/json', authorization: authorization ?? undefined },
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

function statusesOf(body: Buffer | string): StatusUpdateEvent[] {
  const result = adapter.parse(requestOf(body), channel, receivedAt);
  if (!result.ok) throw new Error(`parse failed: ${result.error.detail}`);
  expect(result.events.inbound).toEqual([]);
  for (const status of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, status)).toMatchObject({ ok: true });
  }
  return result.events.statuses;
}

function bounceOf(type: string | undefined, typeCode?: number): string {
  const bounce = JSON.parse(fixture('bounce-hard.json').toString('utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...bounce, Type: type, TypeCode: typeCode });
}

describe('Postmark adapter: basic auth', () => {
  it('accepts the configured username and password', async () => {
    await expect(adapter.verify(requestOf(fixture('delivery.json')), credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts the scheme name in any case', async () => {
    const authorization = basic('postmark-hooks', 'Zq8#r5-long-and-random').replace('Basic', 'bAsIc');
    await expect(adapter.verify(requestOf(fixture('delivery.json'), authorization), credentials)).resolves.toEqual({ ok: true });
  });

  it('answers missing_signature without an Authorization header', async () => {
    await expect(adapter.verify(requestOf(fixture('delivery.json'), null), credentials)).resolves.toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    await expect(adapter.verify(requestOf(fixture('delivery.json'), ''), credentials)).resolves.toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it.each([
    ['a wrong password', basic('postmark-hooks', 'Zq8#r5-long-and-randoM')],
    ['a wrong username', basic('postmark-hook', 'Zq8#r5-long-and-random')],
    ['a password with one more character', basic('postmark-hooks', 'Zq8#r5-long-and-random!')],
    ['the password alone', `Basic ${Buffer.from('Zq8#r5-long-and-random').toString('base64')}`],
    ['username and password swapped', basic('Zq8#r5-long-and-random', 'postmark-hooks')],
    ['a Bearer token', 'Bearer Zq8#r5-long-and-random'],
    ['non-canonical base64', `${basic('postmark-hooks', 'Zq8#r5-long-and-random')}!`],
    ['the credentials in clear', 'Basic postmark-hooks:Zq8#r5-long-and-random'],
  ])('answers bad_signature for %s', async (_label, authorization) => {
    await expect(adapter.verify(requestOf(fixture('delivery.json'), authorization), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each([
    ['no password', { provider: 'postmark', basic_auth_username: 'postmark-hooks' }],
    ['no username', { provider: 'postmark', basic_auth_password: 'Zq8#r5-long-and-random' }],
    ['a numeric password', { provider: 'postmark', basic_auth_username: 'postmark-hooks', basic_auth_password: 12345 }],
    ['empty strings', { provider: 'postmark', basic_auth_username: '', basic_auth_password: '' }],
  ])('answers missing_credentials for %s', async (_label, badCredentials) => {
    await expect(adapter.verify(requestOf(fixture('delivery.json')), badCredentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('never accepts other credentials (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (username, password) => {
        fc.pre(username !== credentials.basic_auth_username || password !== credentials.basic_auth_password);
        await expect(adapter.verify(requestOf('{}', basic(username, password)), credentials)).resolves.toMatchObject({
          ok: false,
          reason: 'bad_signature',
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary headers and credentials (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(
          fc.oneof(
            fc.string(),
            fc.string().map((text) => `Basic ${text}`),
            fc.array(fc.string(), { maxLength: 2 }),
          ),
          { nil: undefined },
        ),
        fc.oneof(fc.anything(), fc.record({ basic_auth_username: fc.anything(), basic_auth_password: fc.anything() })),
        async (authorization, anyCredentials) => {
          const request: WebhookRequest = { method: 'POST', url: '/', headers: { authorization }, rawBody: Buffer.alloc(0) };
          const result = await adapter.verify(request, anyCredentials as Record<string, unknown>);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Postmark adapter: parsing', () => {
  const common = {
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: 'email',
    provider_message_id: '00000000-0000-0000-0000-000000000000',
    recipient_address: 'john@example.com',
    timestamp: '2026-02-13T18:19:43.000Z',
    received_at: '2026-02-13T18:19:45.000Z',
  };

  it('turns the documented Delivery sample into delivered', () => {
    expect(statusesOf(fixture('delivery.json'))).toEqual([
      {
        ...common,
        event_id: deterministicEventId(
          channel.id,
          'Delivery',
          '00000000-0000-0000-0000-000000000000',
          '2026-02-13T18:19:43Z',
          'john@example.com',
        ),
        status: 'delivered',
        metadata: {
          recipient: 'john@example.com',
          provider_status: 'Delivery',
          message_stream: 'outbound',
          tag: 'welcome-email',
          details: 'Test delivery webhook details',
        },
      },
    ]);
  });

  it('turns the documented HardBounce sample into failed', () => {
    expect(statusesOf(fixture('bounce-hard.json'))).toEqual([
      {
        ...common,
        event_id: deterministicEventId(channel.id, 'Bounce', '00000000-0000-0000-0000-000000000000', '2026-02-13T18:19:43Z', 42),
        status: 'failed',
        error_code: '1',
        error_message: 'Test bounce details',
        metadata: {
          recipient: 'john@example.com',
          provider_event_id: '42',
          provider_status: 'HardBounce',
          message_stream: 'outbound',
          tag: 'Test',
          inactive: true,
        },
      },
    ]);
  });

  it('turns the SpamComplaint sample into complained', () => {
    expect(statusesOf(fixture('spam-complaint.json'))).toEqual([
      {
        ...common,
        event_id: deterministicEventId(channel.id, 'SpamComplaint', '00000000-0000-0000-0000-000000000000', '2026-02-13T18:19:43Z', 42),
        status: 'complained',
        metadata: {
          recipient: 'john@example.com',
          provider_event_id: '42',
          provider_status: 'SpamComplaint',
          message_stream: 'outbound',
          tag: 'Test',
          inactive: true,
        },
      },
    ]);
  });

  it.each([
    ['HardBounce', 1, 'failed'],
    ['BadEmailAddress', 100000, 'failed'],
    ['ManuallyDeactivated', 100002, 'failed'],
    ['Blocked', 100006, 'failed'],
    ['DMARCPolicy', 100009, 'failed'],
    ['SoftBounce', 4096, 'deferred'],
    ['Transient', 2, 'deferred'],
    ['DnsError', 256, 'deferred'],
    ['Unknown', 2048, 'deferred'],
    ['AutoResponder', 64, 'auto_responder'],
    ['Unsubscribe', 16, 'unsubscribed'],
  ])('maps a %s bounce (TypeCode %i) to %s', (type, typeCode, status) => {
    expect(statusesOf(bounceOf(type, typeCode))).toMatchObject([
      { status, error_code: String(typeCode), metadata: { provider_status: type } },
    ]);
  });

  it('classifies a bounce by TypeCode when Type is missing, and a new Type by its own word', () => {
    expect(statusesOf(bounceOf(undefined, 4096))).toMatchObject([{ status: 'deferred', metadata: { provider_status: 'SoftBounce' } }]);
    expect(statusesOf(bounceOf('QuotaExceededSomewhere', 777))).toMatchObject([{ status: 'quota_exceeded_somewhere' }]);
    expect(statusesOf(bounceOf(undefined, 777))).toEqual([]);
  });

  it('maps Open, Click and SubscriptionChange records', () => {
    const base = { MessageID: 'a8c1f3e2-0b8d-4f7e-9c1a-2d3e4f5a6b7c', Recipient: 'john@example.com', MessageStream: 'outbound' };
    expect(
      statusesOf(JSON.stringify({ ...base, RecordType: 'Open', FirstOpen: true, ReceivedAt: '2026-02-13T18:20:00.1234567Z' })),
    ).toMatchObject([{ status: 'read', timestamp: '2026-02-13T18:20:00.123Z', metadata: { first_open: true, provider_status: 'Open' } }]);
    expect(
      statusesOf(
        JSON.stringify({
          ...base,
          RecordType: 'Click',
          OriginalLink: 'https://example.com/',
          ClickLocation: 'HTML',
          ReceivedAt: '2026-02-13T13:20:00-05:00',
        }),
      ),
    ).toMatchObject([
      { status: 'clicked', timestamp: '2026-02-13T18:20:00.000Z', metadata: { link: 'https://example.com/', click_location: 'HTML' } },
    ]);
    expect(
      statusesOf(
        JSON.stringify({
          ...base,
          RecordType: 'SubscriptionChange',
          SuppressSending: true,
          SuppressionReason: 'ManualSuppression',
          ChangedAt: '2026-02-13T18:21:00Z',
        }),
      ),
    ).toMatchObject([{ status: 'unsubscribed', metadata: { suppression_reason: 'ManualSuppression' } }]);
    expect(
      statusesOf(JSON.stringify({ ...base, RecordType: 'SubscriptionChange', SuppressSending: false, ChangedAt: '2026-02-13T18:22:00Z' })),
    ).toMatchObject([{ status: 'resubscribed' }]);
  });

  it('gives the same ids when the same call is parsed twice, and distinct ids for distinct records', () => {
    const open = (time: string, recipient = 'john@example.com') =>
      JSON.stringify({ RecordType: 'Open', MessageID: 'm-1', Recipient: recipient, ReceivedAt: time });
    const first = statusesOf(open('2026-02-13T18:20:00Z'))[0].event_id;
    expect(statusesOf(open('2026-02-13T18:20:00Z'))[0].event_id).toBe(first);
    const others = [
      statusesOf(open('2026-02-13T18:20:01Z'))[0].event_id,
      statusesOf(open('2026-02-13T18:20:00Z', 'jane@example.com'))[0].event_id,
      statusesOf(fixture('delivery.json'))[0].event_id,
      statusesOf(fixture('bounce-hard.json'))[0].event_id,
      statusesOf(fixture('spam-complaint.json'))[0].event_id,
    ];
    expect(new Set([first, ...others]).size).toBe(6);
  });

  it('gives no status for a record without MessageID or for an inbound record', () => {
    expect(statusesOf(JSON.stringify({ RecordType: 'Delivery', Recipient: 'a@example.com', DeliveredAt: '2026-02-13T18:19:43Z' }))).toEqual(
      [],
    );
    expect(statusesOf(JSON.stringify({ RecordType: 'Inbound', MessageID: 'x' }))).toEqual([]);
    expect(statusesOf(JSON.stringify({ RecordType: 'LinkPreviewed', MessageID: 'x' }))).toMatchObject([{ status: 'link_previewed' }]);
  });

  it('answers unsupported_payload for an inbound-email payload (no RecordType)', () => {
    const inbound = JSON.stringify({
      From: 'someone@example.com',
      To: 'hooks@example.com',
      MessageID: '22c74902-a0c1-4511-804f-341342852c90',
      TextBody: 'hi',
    });
    expect(adapter.parse(requestOf(inbound), channel, receivedAt)).toMatchObject({ ok: false, error: { kind: 'unsupported_payload' } });
  });

  it('answers invalid_json and invalid_payload for bodies that are not a record', () => {
    expect(adapter.parse(requestOf('RecordType=Delivery'), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_json' },
    });
    expect(adapter.parse(requestOf('[{"RecordType":"Delivery"}]'), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_payload' },
    });
  });

  it('never throws and only produces valid events on arbitrary input (property)', () => {
    const record = fc.record(
      {
        RecordType: fc.oneof(fc.constantFrom('Delivery', 'Bounce', 'SpamComplaint', 'Open', 'Click', 'SubscriptionChange'), fc.string()),
        MessageID: fc.oneof(fc.string(), fc.jsonValue()),
        Type: fc.oneof(fc.constantFrom('HardBounce', 'SoftBounce', 'constructor', '__proto__'), fc.string()),
        TypeCode: fc.oneof(fc.integer(), fc.jsonValue()),
        ID: fc.jsonValue(),
        BouncedAt: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        ),
        ReceivedAt: fc.string(),
        Details: fc.string({ maxLength: 5000 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
          record.map((value) => Buffer.from(JSON.stringify(value))),
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
  it('picks this adapter for an email channel whose credentials name provider postmark', () => {
    const registry = new AdapterRegistry({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    expect(registry.resolve('email', { provider: 'postmark' })?.provider).toBe('postmark');
    expect(AdapterRegistry.supportedEmailProviders()).toContain('postmark');
  });
});

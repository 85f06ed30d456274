import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseResult, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import { commonEventFields, everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';
import { createBridgeAdapter } from './bridge.adapter';
import { bridgeTime } from './bridge.parser';

const adapter = createBridgeAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('bridge');

const call = (body: string | Buffer): WebhookRequest => ({
  method: 'POST',
  url: `https://hooks.example.com/webhooks/bridge/${channel.id}`,
  headers: { 'content-type': 'application/json' },
  rawBody: Buffer.from(body),
});
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8');
const parse = (body: string | object): ParseResult => {
  const result = adapter.parse(call(typeof body === 'string' ? body : JSON.stringify(body)), channel, SPEC_RECEIVED_AT);
  expect(everyEventValid(result)).toBe(true);
  return result;
};
const events = (body: string | object) => {
  const result = parse(body);
  if (!result.ok) throw new Error(`expected events, got ${result.error.kind}: ${result.error.detail}`);
  return result.events;
};
const withData = (name: string, data: Record<string, unknown>) => {
  const body = JSON.parse(fixture(name));
  return { ...body, data: { ...body.data, ...data } };
};

describe('bridge calls → events', () => {
  it('message.received with text → one inbound event, the bridge message id as provider_message_id', () => {
    expect(events(fixture('message-received-text'))).toEqual({
      inbound: [
        {
          ...commonEventFields(channel),
          event_id: deterministicEventId(channel.id, 'bridge', 'message', '3EB0C127D7BACC83D6A1'),
          provider_message_id: '3EB0C127D7BACC83D6A1',
          sender_address: '5511987654321',
          message_body: 'Olá, vocês entregam no sábado?',
          timestamp: '2026-03-02T09:15:03.000Z',
          metadata: { to_number: '5511912345678' },
        },
      ],
      statuses: [],
    });
  });

  it('message.received with media → media_url and media_type, Unix seconds as the time', () => {
    const [event] = events(fixture('message-received-image')).inbound;
    expect(event).toMatchObject({
      provider_message_id: '3A5E0E3C9B7F2D41C8A0',
      sender_address: '628123456789',
      message_body: 'Foto do pedido',
      media_url: 'https://bridge.example.test/statics/media/1772442929-3A5E0E3C9B7F2D41C8A0.jpg',
      media_type: 'image/jpeg',
      timestamp: '2026-03-02T09:15:29.000Z',
    });
  });

  it('falls back to the call time, then to the receipt time, when the message has no readable time', () => {
    expect(events(withData('message-received-text', { timestamp: 'yesterday' })).inbound[0].timestamp).toBe('2026-03-02T09:15:04.000Z');
    const body = { ...withData('message-received-text', { timestamp: undefined }), timestamp: null };
    expect(events(body).inbound[0].timestamp).toBe(SPEC_RECEIVED_AT.toISOString());
  });

  it('message.sent → a sent status with the bridge word as provider_status', () => {
    expect(events(fixture('message-sent'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...commonEventFields(channel),
          event_id: deterministicEventId(channel.id, 'bridge', 'status', '3EB0D5A2F1C4B8E7A901', 'sent'),
          provider_message_id: '3EB0D5A2F1C4B8E7A901',
          status: 'sent',
          timestamp: '2026-03-02T09:16:10.000Z',
          metadata: { provider_status: 'SERVER_ACK' },
        },
      ],
    });
  });

  it('message.failed → a failed status with the error text', () => {
    expect(events(fixture('message-failed')).statuses).toEqual([
      {
        ...commonEventFields(channel),
        event_id: deterministicEventId(channel.id, 'bridge', 'status', '3EB0D5A2F1C4B8E7A902', 'failed'),
        provider_message_id: '3EB0D5A2F1C4B8E7A902',
        status: 'failed',
        timestamp: '2026-03-02T09:16:12.000Z',
        error_message: 'recipient is not on WhatsApp',
        metadata: { provider_status: 'ERROR' },
      },
    ]);
  });

  it('message.failed with an error object, and without status → code, message, the event type as provider_status', () => {
    const [event] = events(withData('message-failed', { status: undefined, error: { code: 463, message: 'rate limited' } })).statuses;
    expect(event).toMatchObject({
      status: 'failed',
      error_code: '463',
      error_message: 'rate limited',
      metadata: { provider_status: 'message.failed' },
    });
  });

  it('connection.status → one connection report at the call time, no bus event', () => {
    expect(events(fixture('connection-status-disconnected'))).toEqual({
      inbound: [],
      statuses: [],
      connections: [{ status: 'disconnected', session_id: 'store-main', reported_at: '2026-03-02T11:42:17.250Z' }],
    });
    expect(events(withData('connection-status-connected', { status: 'QR Required' })).connections).toEqual([
      { status: 'qr_required', session_id: 'store-main', reported_at: '2026-03-02T09:00:00.000Z' },
    ]);
  });

  it('the same call twice gives the same event ids (a bridge retry is recognisable)', () => {
    for (const name of ['message-received-text', 'message-sent', 'message-failed']) {
      const first = events(fixture(name));
      const second = events(fixture(name));
      expect([...second.inbound, ...second.statuses].map((e) => e.event_id)).toEqual(
        [...first.inbound, ...first.statuses].map((e) => e.event_id),
      );
    }
  });

  it('an unknown event_type → accepted with nothing in it, counted as skipped', () => {
    expect(events(fixture('unknown-event-presence'))).toEqual({ inbound: [], statuses: [], skipped: { unknown_event_type: 1 } });
    // Even without data: it is not ours to read.
    expect(events({ event_type: 'call.offer' })).toEqual({ inbound: [], statuses: [], skipped: { unknown_event_type: 1 } });
  });

  describe('refuses what it cannot read (400)', () => {
    it.each([
      ['not JSON', '{"event_type": "message.received", ', 'invalid_json'],
      ['a JSON array', '[]', 'invalid_payload'],
      ['no event_type', { timestamp: 1, data: {} }, 'invalid_payload'],
      ['a number as event_type', { event_type: 7, data: {} }, 'invalid_payload'],
      ['a known event without data', { event_type: 'message.received', timestamp: 1 }, 'invalid_payload'],
      ['data that is a string', { event_type: 'message.sent', data: 'x' }, 'invalid_payload'],
      ['message.received without message_id', withData('message-received-text', { message_id: undefined }), 'invalid_payload'],
      ['message.received without from_number', withData('message-received-text', { from_number: '' }), 'invalid_payload'],
      ['message.received without to_number', withData('message-received-text', { to_number: undefined }), 'invalid_payload'],
      [
        'message.received with a message_id over 512 characters',
        withData('message-received-text', { message_id: 'x'.repeat(513) }),
        'invalid_payload',
      ],
      ['message.sent without message_id', withData('message-sent', { message_id: undefined }), 'invalid_payload'],
      ['message.failed with an object as message_id', withData('message-failed', { message_id: {} }), 'invalid_payload'],
      ['connection.status without status', withData('connection-status-connected', { status: '  ' }), 'invalid_payload'],
      ['connection.status without session_id', withData('connection-status-connected', { session_id: undefined }), 'invalid_payload'],
      [
        'connection.status without a readable timestamp',
        { ...JSON.parse(fixture('connection-status-connected')), timestamp: 'now' },
        'invalid_payload',
      ],
    ])('%s', (_case, body, kind) => {
      const result = parse(body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe(kind);
    });
  });
});

describe('bridge times', () => {
  it.each([
    ['2026-03-02T09:15:03Z', '2026-03-02T09:15:03.000Z'],
    ['2026-03-02T10:15:03+01:00', '2026-03-02T09:15:03.000Z'],
    [1772442903, '2026-03-02T09:15:03.000Z'],
    ['1772442903', '2026-03-02T09:15:03.000Z'],
    [1772442903250, '2026-03-02T09:15:03.250Z'],
  ])('%s → %s', (value, iso) => expect(bridgeTime(value)).toBe(iso));

  it.each([[undefined], [null], [''], ['tomorrow'], [0], [-5], [Number.NaN], [{}]])('%s → none', (value) => {
    expect(bridgeTime(value)).toBeUndefined();
  });
});

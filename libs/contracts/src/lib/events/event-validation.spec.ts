import { decodeEvent, validateEvent } from './event-validation';
import { InboundMessageEvent } from './inbound-message.event';
import { StatusUpdateEvent } from './status-update.event';

const ids = {
  event_id: '6f1c2f57-6a4b-5c55-9b3e-0b6f9a1d2e3f',
  channel_id: '0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b',
  account_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
};

const inbound = {
  ...ids,
  channel_type: 'telegram',
  provider_message_id: '123456789:42',
  sender_address: '123456789',
  sender_name: 'Ada Lovelace',
  message_body: '/start hello',
  timestamp: '2025-01-01T00:00:00.000Z',
  metadata: { update_id: 914378261 },
  received_at: '2025-01-01T00:00:01.000Z',
};

const status = {
  ...ids,
  channel_type: 'whatsapp',
  provider_message_id: 'wamid.ID',
  status: 'delivered',
  timestamp: '2025-01-01T00:00:00.000Z',
  metadata: {},
  received_at: '2025-01-01T00:00:01.000Z',
};

describe('validateEvent', () => {
  it('accepts a complete inbound message event', () => {
    expect(validateEvent(InboundMessageEvent, inbound)).toMatchObject({ ok: true });
  });

  it.each([
    ['event_id', { event_id: 'abc' }, 'event_id: isUuid'],
    ['channel_type', { channel_type: 'fax' }, 'channel_type: isIn'],
    ['timestamp', { timestamp: '01/01/2025' }, 'timestamp: isIso8601'],
    ['sender_address', { sender_address: '' }, 'sender_address: isNotEmpty'],
    ['metadata', { metadata: 'x' }, 'metadata: isObject'],
  ])('names the bad field %s', (_field, change, expected) => {
    const result = validateEvent(InboundMessageEvent, { ...inbound, ...change });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(expected);
  });

  it('refuses non-objects', () => {
    for (const payload of [null, 42, 'text', [inbound]]) {
      expect(validateEvent(InboundMessageEvent, payload)).toEqual({ ok: false, reason: 'payload is not a JSON object' });
    }
  });

  it('accepts lifecycle and informational statuses, refuses malformed ones', () => {
    expect(validateEvent(StatusUpdateEvent, status).ok).toBe(true);
    expect(validateEvent(StatusUpdateEvent, { ...status, status: 'clicked' }).ok).toBe(true);
    expect(validateEvent(StatusUpdateEvent, { ...status, status: 'Delivered!' }).ok).toBe(false);
  });

  it('requires provider_message_id unless the update is a watermark, which needs its recipient', () => {
    const { provider_message_id: _id, ...withoutId } = status;
    expect(validateEvent(StatusUpdateEvent, withoutId).ok).toBe(false);
    const watermark = { ...withoutId, channel_type: 'messenger', watermark: '2025-01-01T00:00:00.000Z' };
    const missingRecipient = validateEvent(StatusUpdateEvent, watermark);
    expect(missingRecipient.ok ? '' : missingRecipient.reason).toContain('recipient_address');
    expect(validateEvent(StatusUpdateEvent, { ...watermark, recipient_address: '1254459154682919' }).ok).toBe(true);
  });

  it('takes a recipient beside a provider id, within the field limits', () => {
    expect(validateEvent(StatusUpdateEvent, { ...status, recipient_address: 'a@example.com' }).ok).toBe(true);
    const empty = validateEvent(StatusUpdateEvent, { ...status, recipient_address: '' });
    expect(empty.ok ? '' : empty.reason).toContain('recipient_address');
    expect(validateEvent(StatusUpdateEvent, { ...status, recipient_address: 'x'.repeat(513) }).ok).toBe(false);
  });
});

describe('decodeEvent', () => {
  it('decodes JSON bytes', () => {
    const result = decodeEvent(StatusUpdateEvent, Buffer.from(JSON.stringify(status)));
    expect(result.ok && result.event.status).toBe('delivered');
  });

  it('reports bytes that are not JSON', () => {
    expect(decodeEvent(StatusUpdateEvent, Buffer.from('{not json'))).toEqual({ ok: false, reason: 'body is not valid JSON' });
  });
});

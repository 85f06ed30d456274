import { decodeStatusUpdate } from './status-delivery';

const VALID = {
  event_id: '7f6b1c1e-3d2a-5b8c-9e0f-1a2b3c4d5e6f',
  channel_id: '11111111-1111-4111-8111-111111111111',
  account_id: '22222222-2222-4222-a222-222222222222',
  channel_type: 'whatsapp',
  provider_message_id: 'wamid.HBgLMTU1NTAxMjM0NTY',
  status: 'delivered',
  timestamp: '2026-03-01T10:00:00.000Z',
  metadata: { provider_status: 'delivered' },
  received_at: '2026-03-01T10:00:01.250Z',
};

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('decodeStatusUpdate', () => {
  it('reads a keyed event', () => {
    expect(decodeStatusUpdate(body({ ...VALID, error_code: '131026', error_message: 'undeliverable' }))).toEqual({
      ok: true,
      event: {
        event_id: VALID.event_id,
        channel_id: VALID.channel_id,
        channel_type: VALID.channel_type,
        status: 'delivered',
        timestamp: VALID.timestamp,
        received_at: VALID.received_at,
        provider_message_id: VALID.provider_message_id,
        error_code: '131026',
        error_message: 'undeliverable',
        provider_status: 'delivered',
      },
    });
  });

  it('reads the recipient a keyed event names (one provider id, several recipients)', () => {
    const decoded = decodeStatusUpdate(body({ ...VALID, channel_type: 'email', recipient_address: 'a@example.com' }));
    expect(decoded).toMatchObject({
      ok: true,
      event: { provider_message_id: VALID.provider_message_id, recipient_address: 'a@example.com', channel_type: 'email' },
    });
  });

  it('reads a watermark event', () => {
    const { provider_message_id: _id, ...rest } = VALID;
    const decoded = decodeStatusUpdate(
      body({
        ...rest,
        channel_type: 'messenger',
        status: 'read',
        recipient_address: '6024129854333321',
        watermark: '2026-03-01T09:59:00.000Z',
      }),
    );
    expect(decoded).toMatchObject({
      ok: true,
      event: { recipient_address: '6024129854333321', watermark: '2026-03-01T09:59:00.000Z', status: 'read' },
    });
    expect(decoded.ok && decoded.event.provider_message_id).toBeUndefined();
  });

  it.each([
    ['not JSON', Buffer.from('{"event_id":'), 'body is not valid JSON'],
    ['not an object', body([VALID]), 'payload is not a JSON object'],
    ['a missing field', body({ ...VALID, channel_id: undefined }), 'invalid event: channel_id: isUuid'],
    ['a bad time', body({ ...VALID, timestamp: '2026-02-30T10:00:00Z' }), 'invalid event: timestamp: isIso8601'],
    [
      'a watermark with another status',
      body({ ...VALID, provider_message_id: undefined, status: 'sent', recipient_address: 'psid', watermark: VALID.timestamp }),
      'invalid event: status: a watermark update must be delivered or read, not sent',
    ],
    [
      'a null watermark and no provider id',
      body({ ...VALID, provider_message_id: undefined, recipient_address: 'psid', watermark: null }),
      'invalid event: provider_message_id: names no message (no provider_message_id, no watermark with recipient_address)',
    ],
    ['a week date', body({ ...VALID, timestamp: '2026-W09-1' }), 'invalid event: timestamp: isIso8601'],
    ['a date without a time', body({ ...VALID, watermark: '2026-03-01' }), 'invalid event: watermark: isIso8601'],
  ])('rejects %s with its reason', (_case, input, reason) => {
    expect(decodeStatusUpdate(input)).toEqual({ ok: false, reason });
  });
});

import 'reflect-metadata';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/messaging';
import { decodeStatusUpdate, statusUpdateOf } from './status-delivery';
import { wellFormedStatusUpdate } from './status-event.fast-path';

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
    expect(decoded).toMatchObject({ ok: true, event: { provider_message_id: VALID.provider_message_id, recipient_address: 'a@example.com', channel_type: 'email' } });
    expect(wellFormedStatusUpdate({ ...VALID, recipient_address: 'a@example.com' })).toMatchObject({ recipient_address: 'a@example.com' });
  });

  it('reads a watermark event', () => {
    const { provider_message_id: _id, ...rest } = VALID;
    const decoded = decodeStatusUpdate(body({ ...rest, channel_type: 'messenger', status: 'read', recipient_address: '6024129854333321', watermark: '2026-03-01T09:59:00.000Z' }));
    expect(decoded).toMatchObject({ ok: true, event: { recipient_address: '6024129854333321', watermark: '2026-03-01T09:59:00.000Z', status: 'read' } });
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
      'invalid event: a watermark update must be delivered or read, not sent',
    ],
    [
      'a null watermark and no provider id',
      body({ ...VALID, provider_message_id: undefined, recipient_address: 'psid', watermark: null }),
      'invalid event: names no message (no provider_message_id, no watermark with recipient_address)',
    ],
    ['a week date JavaScript cannot read', body({ ...VALID, timestamp: '2026-W09-1' }), 'invalid event: timestamp or watermark is not a readable time'],
  ])('rejects %s with its reason', (_case, input, reason) => {
    expect(decodeStatusUpdate(input)).toEqual({ ok: false, reason });
  });
});

describe('wellFormedStatusUpdate (the fast path)', () => {
  it('takes the events the gateway publishes', () => {
    expect(wellFormedStatusUpdate(VALID)).toBeDefined();
    expect(wellFormedStatusUpdate({ ...VALID, status: 'clicked', error_message: 'x'.repeat(4096) })).toBeDefined();
  });

  // Values around each rule's edge, valid and invalid.
  const uuid = fc.oneof(
    fc.uuid(),
    fc.constantFrom(
      VALID.event_id.toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '11111111-1111-0111-8111-111111111111',
      '11111111-1111-9111-8111-111111111111',
      '11111111-1111-4111-c111-111111111111',
      '',
      42,
    ),
  );
  const time = fc.oneof(
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom(
      VALID.timestamp,
      '2026-02-29T10:00:00.000Z',
      '2028-02-29T10:00:00.000Z',
      '2026-02-30T10:00:00.000Z',
      '0999-01-01T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '+002026-03-01T10:00:00.000Z',
      '2026-03-01T24:00:00.000Z',
      '2026-03-01T10:00:60.000Z',
      '2026-03-01T10:00:00Z',
      '2026-03-01T10:00:00.000+01:00',
      '2026-03-01',
      '2026-W09-1',
      'yesterday',
      1_772_359_200_000,
    ),
  );
  const text = (max: number) =>
    fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('', 'x'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(max / 2), '😀'.repeat(max / 2 + 1), null, 7),
    );
  // Mostly valid fields, so that whole candidates often pass; any field may be odd or absent.
  const usually = <T,>(valid: T, odd: fc.Arbitrary<unknown>) => fc.oneof({ weight: 8, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: odd });
  const payload = fc.record(
    {
      event_id: usually(VALID.event_id, uuid),
      channel_id: usually(VALID.channel_id, uuid),
      account_id: usually(VALID.account_id, uuid),
      channel_type: usually(VALID.channel_type, fc.constantFrom('messenger', 'email', 'WhatsApp', 'fax', null)),
      provider_message_id: usually(VALID.provider_message_id, text(512)),
      status: usually(VALID.status, fc.oneof(fc.constantFrom('read', 'clicked', 'opened_again', 'Delivered', 'a', 'x'.repeat(33), ''), fc.string({ maxLength: 8 }))),
      timestamp: usually(VALID.timestamp, time),
      received_at: usually(VALID.received_at, time),
      error_code: usually(undefined, text(255)),
      error_message: usually(undefined, text(4096)),
      metadata: usually(VALID.metadata, fc.constantFrom({}, { provider_status: 3 }, null, [], 'x')),
      recipient_address: usually(undefined, text(512)),
      watermark: usually(undefined, time),
    },
    { requiredKeys: [] },
  );

  it('accepts nothing the contract’s validation rejects, and reads what it accepts as the contract does', () => {
    let accepted = 0;
    fc.assert(
      fc.property(payload, (candidate) => {
        const fast = wellFormedStatusUpdate(candidate);
        if (fast === undefined) return;
        accepted += 1;
        const slow = validateEvent(StatusUpdateEvent, candidate);
        expect(slow).toMatchObject({ ok: true });
        expect(fast).toEqual(statusUpdateOf((slow as { event: StatusUpdateEvent }).event));
      }),
      { numRuns: 20_000 },
    );
    // The property says something only if the fast path took part of the candidates.
    expect(accepted).toBeGreaterThan(50);
  });

  it('accepts nothing the contract’s validation rejects, starting from valid events changed one field at a time', () => {
    const field = fc.constantFrom(...(Object.keys(VALID) as Array<keyof typeof VALID>), 'error_code', 'error_message', 'watermark', 'recipient_address');
    const oneChange = fc.tuple(field, fc.oneof(uuid, time, text(512), fc.constant(undefined), fc.anything()));
    fc.assert(
      fc.property(oneChange, ([key, value]) => {
        const candidate = { ...VALID, [key]: value };
        if (wellFormedStatusUpdate(candidate) !== undefined) expect(validateEvent(StatusUpdateEvent, candidate)).toMatchObject({ ok: true });
      }),
      { numRuns: 20_000 },
    );
  });
});

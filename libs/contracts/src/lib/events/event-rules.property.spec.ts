import fc from 'fast-check';
import { CHANNEL_TYPES } from '../channel-type';
import { FIELD_LIMITS } from '../field-limits';
import { validateEvent } from './event-validation';
import { dateTime, uuid } from './field-rules';
import { InboundMessageEvent } from './inbound-message.event';
import { StatusUpdateEvent } from './status-update.event';

const isoTime = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const textUpTo = (max: number) => fc.string({ minLength: 1, maxLength: Math.min(max, 40) });

// Every field of each event, the required ones first.
const INBOUND_REQUIRED = [
  'event_id',
  'channel_id',
  'account_id',
  'channel_type',
  'provider_message_id',
  'sender_address',
  'timestamp',
  'metadata',
  'received_at',
] as const;
const INBOUND_FIELDS = [...INBOUND_REQUIRED, 'sender_name', 'message_body', 'media_url', 'media_type'];
const STATUS_REQUIRED = [
  'event_id',
  'channel_id',
  'account_id',
  'channel_type',
  'provider_message_id',
  'status',
  'timestamp',
  'metadata',
  'received_at',
] as const;
const STATUS_FIELDS = [...STATUS_REQUIRED, 'error_code', 'error_message', 'recipient_address', 'watermark'];

const inboundEvent = fc.record(
  {
    event_id: fc.uuid(),
    channel_id: fc.uuid(),
    account_id: fc.uuid(),
    channel_type: fc.constantFrom(...CHANNEL_TYPES),
    provider_message_id: textUpTo(FIELD_LIMITS.identifier),
    sender_address: textUpTo(FIELD_LIMITS.identifier),
    sender_name: fc.option(textUpTo(FIELD_LIMITS.identifier), { nil: undefined }),
    message_body: fc.option(fc.string(), { nil: undefined }),
    timestamp: isoTime,
    media_url: fc.option(fc.webUrl(), { nil: undefined }),
    media_type: fc.option(fc.constantFrom('image/jpeg', 'audio/ogg'), { nil: undefined }),
    metadata: fc.dictionary(fc.string(), fc.jsonValue()),
    received_at: isoTime,
  },
  { requiredKeys: [...INBOUND_REQUIRED] },
);

const keyedStatusEvent = fc.record(
  {
    event_id: fc.uuid(),
    channel_id: fc.uuid(),
    account_id: fc.uuid(),
    channel_type: fc.constantFrom(...CHANNEL_TYPES),
    provider_message_id: textUpTo(FIELD_LIMITS.identifier),
    status: fc.constantFrom('queued', 'sent', 'delivered', 'read', 'failed', 'clicked', 'spam_report'),
    timestamp: isoTime,
    error_code: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    error_message: fc.option(fc.string(), { nil: undefined }),
    metadata: fc.dictionary(fc.string(), fc.jsonValue()),
    received_at: isoTime,
    recipient_address: fc.option(fc.emailAddress(), { nil: undefined }),
  },
  { requiredKeys: [...STATUS_REQUIRED] },
);

// Values no field of either event accepts: a wrong type, or a string every rule of these fields refuses.
const refusedEverywhere = fc.constantFrom<unknown>(42, true, [], ['x'], 'x'.repeat(FIELD_LIMITS.longText + 1));

describe('event rules (properties)', () => {
  it('accept every well-formed event', () => {
    fc.assert(fc.property(inboundEvent, (event) => expect(validateEvent(InboundMessageEvent, event)).toEqual({ ok: true, event })));
    fc.assert(fc.property(keyedStatusEvent, (event) => expect(validateEvent(StatusUpdateEvent, event)).toEqual({ ok: true, event })));
  });

  it('refuse a well-formed event with one field spoiled, naming that field', () => {
    const spoiled = <T extends object>(events: fc.Arbitrary<T>, fields: readonly string[]) =>
      fc
        .tuple(events, fc.constantFrom(...fields), refusedEverywhere)
        .map(([event, field, value]) => ({ event: { ...event, [field]: value } as Record<string, unknown>, field }));
    fc.assert(
      fc.property(spoiled(inboundEvent, INBOUND_FIELDS), ({ event, field }) => {
        const result = validateEvent(InboundMessageEvent, event);
        // message_body has no length limit, so only a wrong type spoils it.
        if (field === 'message_body' && typeof event['message_body'] === 'string') return;
        expect(result.ok ? '' : result.reason).toMatch(new RegExp(`^invalid event: .*\\b${field}: `));
      }),
    );
    fc.assert(
      fc.property(spoiled(keyedStatusEvent, STATUS_FIELDS), ({ event, field }) => {
        const result = validateEvent(StatusUpdateEvent, event);
        expect(result.ok ? '' : result.reason).toMatch(new RegExp(`^invalid event: .*\\b${field}: `));
      }),
    );
  });

  it('take as a time exactly the RFC 3339 date-times of the calendar, all of which Date reads', () => {
    fc.assert(fc.property(isoTime, (time) => expect(dateTime(time)).toBeUndefined()));
    // Each field from zero to just past its largest value, so that the edges come up often.
    const field = (max: number, width = 2) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(width, '0'));
    const candidate = fc
      .tuple(
        fc.constantFrom('0000', '0001', '1900', '2000', '2024', '2026', '2100', '9999'),
        field(13),
        field(32),
        field(24),
        field(60),
        field(60),
        fc.constantFrom('', '.5', '.123456'),
        fc.constantFrom('Z', '+05:30', '-23:59', '+24:00', ''),
      )
      .map(([y, mo, d, h, mi, s, fraction, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`);
    fc.assert(
      fc.property(candidate, (time) => {
        if (dateTime(time) !== undefined) return;
        const parsed = new Date(Date.parse(time));
        expect(Number.isNaN(parsed.getTime())).toBe(false);
        // Read back in its own zone, the fields are the ones written: no day 31 of a short month, no hour 24.
        const [, y, mo, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(time) as RegExpExecArray;
        const offset = /([+-])(\d{2}):(\d{2})$/.exec(time);
        const shift = offset ? (offset[1] === '+' ? 1 : -1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
        const local = new Date(parsed.getTime() + shift * 60_000);
        expect([local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()]).toEqual([Number(y), Number(mo), Number(d)]);
      }),
      { numRuns: 5_000 },
    );
  });

  it('take as a UUID any RFC 9562 version with its variant, and the nil and max UUIDs', () => {
    fc.assert(fc.property(fc.uuid(), (id) => expect(uuid(id)).toBeUndefined()));
    for (const id of ['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF']) expect(uuid(id)).toBeUndefined();
    for (const id of [
      '11111111-1111-0111-8111-111111111111',
      '11111111-1111-9111-8111-111111111111',
      '11111111-1111-4111-c111-111111111111',
      '11111111111141118111111111111111',
    ]) {
      expect(uuid(id)).toBe('isUuid');
    }
  });
});

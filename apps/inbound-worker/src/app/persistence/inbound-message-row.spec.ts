import { outboundEventId, type InboundMessageEvent } from '@inbound/contracts';
import { inboundMessageRow, inIndexOrder } from './inbound-message-row';

const event: InboundMessageEvent = {
  event_id: '3f1e2d3c-4b5a-5968-8776-a5b4c3d2e1f0',
  channel_id: '11111111-1111-4111-8111-111111111111',
  account_id: '22222222-2222-4222-8222-222222222222',
  channel_type: 'whatsapp',
  provider_message_id: 'wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUFCQ0RFRkdISUpLTE1OT1AA',
  sender_address: '15551234567',
  sender_name: 'Grace',
  message_body: 'hello',
  timestamp: '2025-11-20T09:16:40.000Z',
  media_url: 'https://lookaside.example/media/1',
  media_type: 'image/jpeg',
  metadata: { message_type: 'image', media_id: '1046' },
  received_at: '2025-11-20T09:16:41.250Z',
};

describe('inboundMessageRow', () => {
  it('maps an event to the row of the database contract, the event’s fields in metadata_', () => {
    const row = inboundMessageRow(event, '33333333-3333-4333-8333-333333333333');
    const { id, received_event, ...columns } = row;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(received_event).toEqual(expect.any(String));
    expect({ ...columns, metadata_: JSON.parse(row.metadata_) }).toEqual({
      account_id: event.account_id,
      channel_id: event.channel_id,
      contact_id: '33333333-3333-4333-8333-333333333333',
      delivery_address: '15551234567',
      message_body: 'hello',
      delivered_at: '2025-11-20T09:16:40.000Z',
      provider_message_id: event.provider_message_id,
      metadata_: {
        message_type: 'image',
        media_id: '1046',
        provider_message_id: event.provider_message_id,
        event_id: event.event_id,
        received_at: event.received_at,
        sender_name: 'Grace',
        media_url: 'https://lookaside.example/media/1',
        media_type: 'image/jpeg',
      },
    });
  });

  it('leaves out optional fields the event lacks, and a missing body is NULL', () => {
    const { sender_name: _n, media_url: _u, media_type: _t, message_body: _b, ...bare } = event;
    const row = inboundMessageRow({ ...bare, metadata: {} }, null);
    expect(row.message_body).toBeNull();
    expect(row.contact_id).toBeNull();
    expect(JSON.parse(row.metadata_)).toEqual({
      provider_message_id: event.provider_message_id,
      event_id: event.event_id,
      received_at: event.received_at,
    });
  });

  it('never lets a provider extra replace the key of the unique index', () => {
    const row = inboundMessageRow({ ...event, metadata: { provider_message_id: 'other', event_id: 'other' } }, null);
    expect(JSON.parse(row.metadata_)).toMatchObject({ provider_message_id: event.provider_message_id, event_id: event.event_id });
  });
});

describe('the message.received envelope', () => {
  it('names the row, carries the data of the contract and an id that only this row yields', () => {
    const row = inboundMessageRow(event, '33333333-3333-4333-8333-333333333333');
    const envelope = JSON.parse(row.received_event);
    expect(envelope).toEqual({
      id: outboundEventId(row.id, 'message.received'),
      type: 'message.received',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      account_id: event.account_id,
      data: {
        message_id: row.id,
        channel_id: event.channel_id,
        channel_type: 'whatsapp',
        provider_message_id: event.provider_message_id,
        sender_address: '15551234567',
        sender_name: 'Grace',
        message_body: 'hello',
        media_url: 'https://lookaside.example/media/1',
        media_type: 'image/jpeg',
        contact_id: '33333333-3333-4333-8333-333333333333',
        received_at: '2025-11-20T09:16:40.000Z',
      },
    });
    expect(inboundMessageRow(event, null).id).not.toBe(row.id);
  });

  it('says null for what the event lacks, so every field of the contract is present', () => {
    const { sender_name: _n, media_url: _u, media_type: _t, message_body: _b, ...bare } = event;
    const { data } = JSON.parse(inboundMessageRow({ ...bare, metadata: {} }, null).received_event);
    expect(data).toMatchObject({ sender_name: null, message_body: null, media_url: null, media_type: null, contact_id: null });
  });
});

describe('inIndexOrder', () => {
  it('orders by channel then provider message id, keeping arrival order between equal keys', () => {
    const row = (channel_id: string, provider_message_id: string, message_body: string) => ({
      ...inboundMessageRow({ ...event, channel_id, provider_message_id }, null),
      message_body,
    });
    const ordered = inIndexOrder([row('b', '1', 'first b1'), row('a', '2', 'a2'), row('b', '1', 'second b1'), row('a', '1', 'a1')]);
    expect(ordered.map((r) => r.message_body)).toEqual(['a1', 'a2', 'first b1', 'second b1']);
  });
});

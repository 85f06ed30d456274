import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InboundMessageEvent, STATUS_UPDATE_FIELDS, StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { ParsedEvents, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { createWhatsAppAdapter } from './whatsapp.adapter';
import type { WhatsAppMessage, WhatsAppNotification } from './whatsapp.types';
import textFixture from './fixtures/text-message.json';
import imageFixture from './fixtures/image-message.json';
import deliveredFixture from './fixtures/status-delivered.json';
import readFixture from './fixtures/status-read.json';
import failedFixture from './fixtures/status-failed.json';
import sentFixture from './fixtures/status-sent.json';
import otherMessagesFixture from './fixtures/messages/other-messages.json';
import { commonEventFields, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const channel = specChannel('whatsapp');
const receivedAt = SPEC_RECEIVED_AT;
const common = commonEventFields(channel);
const businessNumber = { waba_id: '102290129340398', phone_number_id: '106540352242922', display_phone_number: '15550783881' };
const SHEENA = { sender_address: '16505551234', sender_name: 'Sheena Nelson' };

const adapter = createWhatsAppAdapter({ now: () => receivedAt, httpGetText: async () => '' });

function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

function request(rawBody: Buffer | string): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/whatsapp/${channel.id}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
  };
}

function parse(rawBody: Buffer | string): ParseResult {
  return adapter.parse(request(rawBody), channel, receivedAt);
}

/** Parses, requires success, and checks every event as a consumer would receive it. */
function eventsOf(rawBody: Buffer | string): ParsedEvents {
  const result = parse(rawBody);
  if (!result.ok) throw new Error(`parse failed: ${result.error.kind} ${result.error.detail}`);
  for (const event of result.events.inbound) {
    expect(validateEvent(InboundMessageEvent, JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  }
  for (const event of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  }
  return result.events;
}

/** The documented notification envelope around one change value (docs/PROVIDERS.md, WhatsApp Cloud API). */
function notification(value: Record<string, unknown>, field = 'messages'): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              ...value,
            },
            field,
          },
        ],
      },
    ],
  });
}

function withMessage(message: unknown): string {
  return notification({ contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }], messages: [message] });
}

describe('WhatsApp fixtures (docs/PROVIDERS.md, WhatsApp Cloud API)', () => {
  it('match the documented types', () => {
    const documented: WhatsAppNotification[] = [textFixture, imageFixture, deliveredFixture, readFixture, failedFixture, sentFixture];
    const others: WhatsAppMessage[] = otherMessagesFixture;
    expect(documented.every((sample) => sample.object === 'whatsapp_business_account')).toBe(true);
    expect(others).toHaveLength(8);
  });

  it('inbound text', () => {
    expect(eventsOf(fixtureBytes('text-message.json'))).toEqual({
      inbound: [
        {
          ...common,
          ...SHEENA,
          event_id: '2a754d3e-55d2-53ac-9612-f4d0562d97e9',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          message_body: 'Does it come in another color?',
          timestamp: '2025-06-08T20:59:43.000Z',
          metadata: { message_type: 'text', ...businessNumber },
        },
      ],
      statuses: [],
    });
  });

  it('inbound image: caption as body, media id and mime type in metadata', () => {
    expect(eventsOf(fixtureBytes('image-message.json'))).toEqual({
      inbound: [
        {
          ...common,
          ...SHEENA,
          event_id: '2a754d3e-55d2-53ac-9612-f4d0562d97e9',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          message_body: 'Taj Mahal',
          timestamp: '2025-04-11T04:08:16.000Z',
          media_url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...',
          media_type: 'image',
          metadata: {
            message_type: 'image',
            media_id: '1003383421387256',
            mime_type: 'image/jpeg',
            sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
            ...businessNumber,
          },
        },
      ],
      statuses: [],
    });
  });

  it('status delivered, with conversation and pricing', () => {
    expect(eventsOf(fixtureBytes('status-delivered.json'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...common,
          event_id: '8e271046-e396-57ea-b481-902aa88d2247',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA',
          status: 'delivered',
          timestamp: '2025-06-18T16:22:53.000Z',
          metadata: {
            provider_status: 'delivered',
            recipient_id: '16505551234',
            conversation: { id: '6ceb9d929c9bdc4f90e967a32f8639b4', origin_type: 'service' },
            pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
            ...businessNumber,
          },
        },
      ],
    });
  });

  it('status read (v24 style, no conversation)', () => {
    expect(eventsOf(fixtureBytes('status-read.json'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...common,
          event_id: '50234e65-61d1-54cf-99d3-cf1ac55a8196',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
          status: 'read',
          timestamp: '2025-06-15T23:27:53.000Z',
          metadata: { provider_status: 'read', recipient_id: '16505551234', ...businessNumber },
        },
      ],
    });
  });

  it('status failed: error code and message from errors[0]', () => {
    expect(eventsOf(fixtureBytes('status-failed.json'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...common,
          event_id: 'aae6afc8-9137-576d-82e7-c07a65066389',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
          status: 'failed',
          timestamp: '2025-06-28T20:34:48.000Z',
          error_code: '131049',
          error_message:
            'This message was not delivered to maintain healthy ecosystem engagement. (In order to maintain a healthy ecosystem engagement, the message failed to be delivered.)',
          metadata: { provider_status: 'failed', recipient_id: '16505551234', ...businessNumber },
        },
      ],
    });
  });

  it('serialises a status in the contract order of its fields, errors before metadata', () => {
    const [failed] = (eventsOf(fixtureBytes('status-failed.json')) as { statuses: object[] }).statuses;
    expect(Object.keys(failed)).toContain('error_code');
    expect(Object.keys(failed)).toEqual(STATUS_UPDATE_FIELDS.filter((field) => field in failed));
  });

  it('status sent, with the conversation expiry as ISO time', () => {
    expect(eventsOf(fixtureBytes('status-sent.json'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...common,
          event_id: 'c19a4c66-7ffe-5b6b-9641-cbb9469e835a',
          provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
          status: 'sent',
          timestamp: '2025-06-15T23:27:53.000Z',
          metadata: {
            provider_status: 'sent',
            recipient_id: '16505551234',
            conversation: { id: '72b14d6bd5407799e66f64d1b338e567', origin_type: 'marketing', expires_at: '2025-06-16T23:28:00.000Z' },
            pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' },
            ...businessNumber,
          },
        },
      ],
    });
  });

  const [listReply, buttonReply, templateButton, reaction, location, document, sticker, contacts] = otherMessagesFixture;
  const otherCases: Array<[string, unknown, Omit<InboundMessageEvent, keyof typeof common | 'sender_address' | 'sender_name'>]> = [
    [
      'interactive list_reply: the title is the body, ids in metadata',
      listReply,
      {
        event_id: '5b3d45fb-ee32-5f37-900c-86e0c61378d5',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        message_body: 'Priority Mail Express',
        timestamp: '2025-06-13T22:42:55.000Z',
        metadata: {
          message_type: 'interactive',
          interactive_type: 'list_reply',
          reply_id: 'priority_express',
          reply_description: 'Next Day to 2 Days',
          reply_to_message_id: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
          ...businessNumber,
        },
      },
    ],
    [
      'interactive button_reply',
      buttonReply,
      {
        event_id: '3e3c2c8b-ae5a-5751-8f28-8f5257f18c93',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=',
        message_body: 'Cancel',
        timestamp: '2025-06-15T22:05:36.000Z',
        metadata: {
          message_type: 'interactive',
          interactive_type: 'button_reply',
          reply_id: 'cancel-button',
          reply_to_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
          ...businessNumber,
        },
      },
    ],
    [
      'template quick-reply button: text as body, payload in metadata',
      templateButton,
      {
        event_id: '5b3d45fb-ee32-5f37-900c-86e0c61378d5',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        message_body: 'Unsubscribe',
        timestamp: '2025-06-16T16:24:05.000Z',
        metadata: {
          message_type: 'button',
          button_payload: 'Unsubscribe',
          reply_to_message_id: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
          ...businessNumber,
        },
      },
    ],
    [
      'reaction: the emoji, and the message reacted to',
      reaction,
      {
        event_id: '5b3d45fb-ee32-5f37-900c-86e0c61378d5',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        message_body: '👍',
        timestamp: '2025-06-08T21:52:24.000Z',
        media_type: 'reaction',
        metadata: {
          message_type: 'reaction',
          reacted_message_id: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
          ...businessNumber,
        },
      },
    ],
    [
      'location',
      location,
      {
        event_id: '5b3d45fb-ee32-5f37-900c-86e0c61378d5',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        timestamp: '2025-04-11T04:08:16.000Z',
        media_type: 'location',
        metadata: {
          message_type: 'location',
          location: {
            latitude: 37.44221496582,
            longitude: -122.16165924072,
            name: 'Philz Coffee',
            address: '101 Forest Ave, Palo Alto, CA 94301',
            url: 'https://philzcoffee.com/',
          },
          ...businessNumber,
        },
      },
    ],
    [
      'document: caption, filename',
      document,
      {
        event_id: '2a754d3e-55d2-53ac-9612-f4d0562d97e9',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        message_body: 'my receipt',
        timestamp: '2025-04-11T04:08:16.000Z',
        media_url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...',
        media_type: 'document',
        metadata: {
          message_type: 'document',
          media_id: '622684793477189',
          mime_type: 'application/pdf',
          sha256: 'V5OPpLD/gEG6Xjg0MbmQDLFgcKsL+j5LfY4ny/pZ4MY=',
          filename: 'receipt.pdf',
          ...businessNumber,
        },
      },
    ],
    [
      'sticker',
      sticker,
      {
        event_id: '2a754d3e-55d2-53ac-9612-f4d0562d97e9',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        timestamp: '2025-04-11T04:08:16.000Z',
        media_url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...',
        media_type: 'sticker',
        metadata: {
          message_type: 'sticker',
          media_id: '1908647269898587',
          mime_type: 'image/webp',
          sha256: 'wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=',
          animated: true,
          ...businessNumber,
        },
      },
    ],
    [
      'shared contacts',
      contacts,
      {
        event_id: '2a754d3e-55d2-53ac-9612-f4d0562d97e9',
        provider_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        timestamp: '2025-04-11T04:08:16.000Z',
        media_type: 'contacts',
        metadata: {
          message_type: 'contacts',
          contacts: [{ formatted_name: 'Barbara J. Johnson', phones: ['+1 (415) 555-0829'] }],
          ...businessNumber,
        },
      },
    ],
  ];

  it.each(otherCases)('%s', (_case, message, expected) => {
    expect(eventsOf(withMessage(message))).toEqual({ inbound: [{ ...common, ...SHEENA, ...expected }], statuses: [] });
  });
});

describe('WhatsApp message kinds beyond the samples', () => {
  const base = { from: '16505551234', id: 'wamid.KIND', timestamp: '1749416383' };

  it('a removed reaction has no emoji and says so', () => {
    const [event] = eventsOf(withMessage({ ...base, type: 'reaction', reaction: { message_id: 'wamid.TARGET' } })).inbound;
    expect(event.message_body).toBeUndefined();
    expect(event.metadata).toMatchObject({ reacted_message_id: 'wamid.TARGET', reaction_removed: true });
  });

  it.each([
    ['audio', { mime_type: 'audio/ogg; codecs=opus', sha256: 'h', id: '111', voice: true }, { voice: true }],
    ['video', { caption: 'clip', mime_type: 'video/mp4', sha256: 'h', id: '222' }, {}],
  ])('%s carries its media id and mime type', (type, media, extra) => {
    const [event] = eventsOf(withMessage({ ...base, type, [type]: media })).inbound;
    expect(event.media_type).toBe(type);
    expect(event.metadata).toMatchObject({ message_type: type, media_id: media.id, mime_type: media.mime_type, ...extra });
    expect(event.message_body).toBe((media as { caption?: string }).caption);
  });

  it('an unsupported message is kept, described by its type and error', () => {
    const unsupported = {
      ...base,
      type: 'unsupported',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    };
    const [event] = eventsOf(withMessage(unsupported)).inbound;
    expect(event).toMatchObject({
      provider_message_id: 'wamid.KIND',
      media_type: 'unsupported',
      metadata: {
        message_type: 'unsupported',
        error_code: '131051',
        error_message: 'Message type unknown (Message type is currently not supported.)',
      },
    });
  });

  it('a type we have never seen is kept too', () => {
    const [event] = eventsOf(withMessage({ ...base, type: 'order', order: { catalog_id: '1' } })).inbound;
    expect(event).toMatchObject({ media_type: 'order', metadata: { message_type: 'order' } });
  });

  it('the sender name comes from the contact whose wa_id is the sender', () => {
    const body = notification({
      contacts: [
        { profile: { name: 'Someone Else' }, wa_id: '15550000000' },
        { profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' },
      ],
      messages: [{ ...base, type: 'text', text: { body: 'hi' } }],
    });
    expect(eventsOf(body).inbound[0].sender_name).toBe('Sheena Nelson');
  });

  it('a lone contact names the sender even when wa_id and from differ', () => {
    const body = notification({
      contacts: [{ profile: { name: 'Ana' }, wa_id: '5511987654321' }],
      messages: [{ ...base, from: '551187654321', type: 'text', text: { body: 'oi' } }],
    });
    expect(eventsOf(body).inbound[0].sender_name).toBe('Ana');
  });

  it('a message without id or sender cannot be an event and is left out', () => {
    const body = notification({
      messages: [
        { type: 'text', text: { body: 'x' } },
        { ...base, type: 'text', text: { body: 'kept' } },
      ],
    });
    expect(eventsOf(body).inbound.map((event) => event.message_body)).toEqual(['kept']);
  });
});

describe('WhatsApp statuses beyond the samples', () => {
  const status = { id: 'wamid.OUT', timestamp: '1750263773', recipient_id: '16505551234' };

  it('delivered and read of the same message are distinct events', () => {
    const { statuses } = eventsOf(
      notification({
        statuses: [
          { ...status, status: 'delivered' },
          { ...status, status: 'read' },
        ],
      }),
    );
    expect(statuses.map((event) => event.status)).toEqual(['delivered', 'read']);
    expect(statuses[0].event_id).not.toBe(statuses[1].event_id);
    expect(statuses[0].provider_message_id).toBe(statuses[1].provider_message_id);
  });

  it('played is informational', () => {
    const { statuses } = eventsOf(notification({ statuses: [{ ...status, status: 'played' }] }));
    expect(statuses[0]).toMatchObject({ status: 'played', metadata: { provider_status: 'played' } });
  });

  it('a group status keeps the participant and differs per participant', () => {
    const group = { ...status, status: 'read', recipient_type: 'group', recipient_id: '120363000000000000' };
    const { statuses } = eventsOf(
      notification({
        statuses: [
          { ...group, recipient_participant_id: '16505550001' },
          { ...group, recipient_participant_id: '16505550002' },
        ],
      }),
    );
    expect(statuses[0].metadata).toMatchObject({ recipient_type: 'group', recipient_participant_id: '16505550001' });
    expect(statuses[0].event_id).not.toBe(statuses[1].event_id);
  });

  it('a status word outside the contract pattern is made to fit', () => {
    const { statuses } = eventsOf(notification({ statuses: [{ ...status, status: 'Pending-Review!' }] }));
    expect(statuses[0]).toMatchObject({ status: 'pending_review', metadata: { provider_status: 'Pending-Review!' } });
  });
});

describe('WhatsApp calls', () => {
  it('one call with many entries, changes, messages and statuses yields every event, in order', () => {
    const entries = [0, 1, 2].map((entryIndex) => ({
      id: `waba-${entryIndex}`,
      changes: [0, 1].map((changeIndex) => ({
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: `pn-${changeIndex}` },
          contacts: [{ profile: { name: `User ${entryIndex}` }, wa_id: `1555000${entryIndex}` }],
          messages: Array.from({ length: 20 }, (_, index) => ({
            from: `1555000${entryIndex}`,
            id: `wamid.in.${entryIndex}.${changeIndex}.${index}`,
            timestamp: String(1750000000 + index),
            type: 'text',
            text: { body: `message ${index}` },
          })),
          statuses: Array.from({ length: 30 }, (_, index) => ({
            id: `wamid.out.${entryIndex}.${changeIndex}.${index % 10}`,
            status: ['sent', 'delivered', 'read'][Math.floor(index / 10)],
            timestamp: String(1750000000 + index),
            recipient_id: '16505551234',
          })),
        },
      })),
    }));
    const { inbound, statuses } = eventsOf(JSON.stringify({ object: 'whatsapp_business_account', entry: entries }));
    expect(inbound).toHaveLength(120);
    expect(statuses).toHaveLength(180);
    expect(inbound[0]).toMatchObject({
      provider_message_id: 'wamid.in.0.0.0',
      sender_name: 'User 0',
      metadata: { waba_id: 'waba-0', phone_number_id: 'pn-0' },
    });
    expect(inbound[119]).toMatchObject({ provider_message_id: 'wamid.in.2.1.19', sender_name: 'User 2' });
    expect(new Set([...inbound, ...statuses].map((event) => event.event_id)).size).toBe(300);
  });

  it('the same call parsed twice gives the same events', () => {
    expect(parse(fixtureBytes('status-sent.json'))).toEqual(parse(fixtureBytes('status-sent.json')));
  });

  it('changes of other fields and value-level errors yield no events', () => {
    const templateUpdate = notification({ event: 'APPROVED', message_template_id: 1 }, 'message_template_status_update');
    expect(parse(templateUpdate)).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
    const systemError = notification({ errors: [{ code: 130429, title: 'Rate limit hit' }] });
    expect(parse(systemError)).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
    expect(parse('{"object":"whatsapp_business_account","entry":[]}')).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
  });

  it('a body that is not JSON is invalid_json', () => {
    expect(parse('<xml/>')).toEqual({ ok: false, error: { kind: 'invalid_json', detail: expect.any(String) } });
  });

  it('a notification for another Meta product is unsupported_payload', () => {
    expect(parse('{"object":"page","entry":[]}')).toMatchObject({ ok: false, error: { kind: 'unsupported_payload' } });
  });

  it.each(['[]', '42', '{"object":"whatsapp_business_account"}', '{"entry":{}}'])('%s is invalid_payload', (body) => {
    expect(parse(body)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });
});

describe('WhatsApp: changes for another number', () => {
  const OUR_NUMBER = '106540352242922';
  const parseFor = (credentials: Record<string, unknown>, rawBody: Buffer | string): ParseResult =>
    adapter.parse(request(rawBody), { ...channel, credentials }, receivedAt);

  /** Two changes in one call: one for our number, one for another number of the same Meta app. */
  function twoNumbers(): string {
    const ours = JSON.parse(fixtureBytes('text-message.json').toString('utf8'));
    const change = ours.entry[0].changes[0];
    const theirs = JSON.parse(JSON.stringify(change));
    theirs.value.metadata.phone_number_id = '999999999999999';
    theirs.value.messages[0].id = 'wamid.OTHER';
    ours.entry[0].changes.push(theirs);
    return JSON.stringify(ours);
  }

  it('keeps only the changes for the channel’s phone_number_id and counts the rest', () => {
    const result = parseFor({ app_secret: 's', phone_number_id: OUR_NUMBER }, twoNumbers());
    expect(result).toMatchObject({ ok: true, events: { skipped: { other_phone_number: 1 } } });
    expect(result.ok && result.events.inbound.map((event) => event.provider_message_id)).not.toContain('wamid.OTHER');
    expect(result.ok && result.events.inbound).toHaveLength(1);
  });

  it('drops every change of a call for another number, statuses included', () => {
    const result = parseFor({ app_secret: 's', phone_number_id: '123' }, fixtureBytes('status-delivered.json'));
    expect(result).toEqual({ ok: true, events: { inbound: [], statuses: [], skipped: { other_phone_number: 1 } } });
  });

  it('takes every number when the channel names none', () => {
    const result = parseFor({ app_secret: 's' }, twoNumbers());
    expect(result.ok && result.events.inbound).toHaveLength(2);
  });

  it('counts a message or status that cannot be read and keeps the rest of the batch', () => {
    const body = JSON.parse(fixtureBytes('status-delivered.json').toString('utf8'));
    body.entry[0].changes[0].value.statuses.push({ status: 'delivered' }, 'garbage');
    const result = parseFor({ app_secret: 's', phone_number_id: OUR_NUMBER }, JSON.stringify(body));
    expect(result).toMatchObject({ ok: true, events: { skipped: { unreadable_item: 2 } } });
    expect(result.ok && result.events.statuses).toHaveLength(1);
  });
});

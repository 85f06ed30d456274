import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InboundMessageEvent, StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { ParsedEvents, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { createMessengerAdapter } from './messenger.adapter';
import type { MessengerNotification } from './messenger.types';
import textFixture from './fixtures/text-with-quick-reply.json';
import imageFixture from './fixtures/image-attachment.json';
import mixedFixture from './fixtures/delivery-read-postback-echo.json';
import { commonEventFields, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const channel = specChannel('messenger');
const receivedAt = SPEC_RECEIVED_AT;
const common = commonEventFields(channel);
const PSID = '2345678901234567';

const adapter = createMessengerAdapter({ now: () => receivedAt, httpGetText: async () => '' });

function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

function request(rawBody: Buffer | string): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/messenger/${channel.id}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
  };
}

function parse(rawBody: Buffer | string): ParseResult {
  return adapter.parse(request(rawBody), channel, receivedAt);
}

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

function pageNotification(messaging: unknown[], time = 1458692752478): string {
  return JSON.stringify({ object: 'page', entry: [{ id: '112233445566778', time, messaging }] });
}

const party = { sender: { id: PSID }, recipient: { id: '112233445566778' } };

describe('Messenger fixtures (docs/PROVIDERS.md, Messenger)', () => {
  it('match the documented types', () => {
    const documented: MessengerNotification[] = [textFixture, imageFixture, mixedFixture];
    expect(documented.map((sample) => sample.object)).toEqual(['page', 'page', 'page']);
  });

  it('a text message with a quick reply', () => {
    expect(eventsOf(fixtureBytes('text-with-quick-reply.json'))).toEqual({
      inbound: [
        {
          ...common,
          event_id: 'b05a6b64-156e-5daa-bb2f-62fdd9e6ffb4',
          provider_message_id: 'mid.1457764197618:41d102a3e1ae206a38',
          sender_address: PSID,
          message_body: 'hello, world!',
          timestamp: '2016-03-23T00:25:52.478Z',
          metadata: { quick_reply_payload: '<DEVELOPER_DEFINED_PAYLOAD>', page_id: '112233445566778' },
        },
      ],
      statuses: [],
    });
  });

  it('an image attachment: type and url as media', () => {
    expect(eventsOf(fixtureBytes('image-attachment.json'))).toEqual({
      inbound: [
        {
          ...common,
          event_id: '90ad2949-9d1b-5b9c-821f-ceee8f5141de',
          provider_message_id: 'mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c',
          sender_address: PSID,
          timestamp: '2018-02-12T23:46:35.308Z',
          media_url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/image.jpg',
          media_type: 'image',
          metadata: {
            attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/image.jpg' }],
            page_id: '682498302938465',
          },
        },
      ],
      statuses: [],
    });
  });

  it('delivery with mids, read watermark, postback, and our own echo (skipped)', () => {
    expect(eventsOf(fixtureBytes('delivery-read-postback-echo.json'))).toEqual({
      inbound: [
        {
          ...common,
          event_id: '7448c674-32ed-5511-a417-80685be55fa8',
          provider_message_id: `postback:${PSID}:1458692752478`,
          sender_address: PSID,
          message_body: 'Get Started',
          timestamp: '2016-03-23T00:25:52.478Z',
          metadata: { postback_payload: 'GET_STARTED', page_id: '112233445566778' },
        },
      ],
      statuses: [
        {
          ...common,
          event_id: '37ec8f1b-9d7b-511f-abee-ac01b0a8684d',
          provider_message_id: 'mid.1458668856218:ed81099e15d3f4f233',
          status: 'delivered',
          // The delivery event has no timestamp of its own: the entry's time stands in.
          timestamp: '2016-03-22T17:47:36.451Z',
          metadata: { page_id: '112233445566778' },
        },
        {
          ...common,
          event_id: 'f73d1d09-5c84-58ab-9a4a-7e5682049931',
          status: 'read',
          timestamp: '2016-03-22T17:47:36.463Z',
          recipient_address: PSID,
          watermark: '2016-03-22T17:47:36.253Z',
          metadata: { page_id: '112233445566778' },
        },
      ],
    });
  });
});

describe('Messenger events beyond the samples', () => {
  it('a delivery without mids is a watermark for the user', () => {
    const { statuses } = eventsOf(pageNotification([{ ...party, delivery: { watermark: 1458668856253 } }], 1458668856451));
    expect(statuses).toEqual([
      {
        ...common,
        event_id: expect.any(String),
        status: 'delivered',
        timestamp: '2016-03-22T17:47:36.451Z',
        recipient_address: PSID,
        watermark: '2016-03-22T17:47:36.253Z',
        metadata: { page_id: '112233445566778' },
      },
    ]);
    expect(statuses[0]).not.toHaveProperty('provider_message_id');
  });

  it('a delivery with several mids gives one status each', () => {
    const { statuses } = eventsOf(pageNotification([{ ...party, delivery: { mids: ['m_1', 'm_2', 'm_3'], watermark: 1458668856253 } }]));
    expect(statuses.map((event) => [event.provider_message_id, event.status])).toEqual([
      ['m_1', 'delivered'],
      ['m_2', 'delivered'],
      ['m_3', 'delivered'],
    ]);
    expect(statuses.every((event) => event.watermark === undefined)).toBe(true);
  });

  it('delivered and read watermarks for the same time are distinct events', () => {
    const { statuses } = eventsOf(
      pageNotification([
        { ...party, delivery: { watermark: 1458668856253 } },
        { ...party, timestamp: 1458668856463, read: { watermark: 1458668856253 } },
      ]),
    );
    expect(statuses.map((event) => event.status)).toEqual(['delivered', 'read']);
    expect(statuses[0].event_id).not.toBe(statuses[1].event_id);
  });

  it('a postback with a mid uses it', () => {
    const [event] = eventsOf(
      pageNotification([{ ...party, timestamp: 1, postback: { title: 'Buy', payload: 'BUY_1', mid: 'm_pb' } }]),
    ).inbound;
    expect(event).toMatchObject({ provider_message_id: 'm_pb', message_body: 'Buy', metadata: { postback_payload: 'BUY_1' } });
  });

  it('several attachments: the first as media, all in metadata', () => {
    const attachments = [
      { type: 'audio', payload: { url: 'https://cdn.example/a.mp4' } },
      { type: 'sticker', payload: { url: 'https://cdn.example/s.png', sticker_id: 369239263222822 } },
      { type: 'fallback', payload: { title: 'A link', url: 'https://example.com' } },
    ];
    const [event] = eventsOf(
      pageNotification([{ ...party, timestamp: 1700000000000, message: { mid: 'm_att', attachments, reply_to: { mid: 'm_prev' } } }]),
    ).inbound;
    expect(event).toMatchObject({
      media_type: 'audio',
      media_url: 'https://cdn.example/a.mp4',
      metadata: {
        reply_to_message_id: 'm_prev',
        attachments: [
          { type: 'audio', url: 'https://cdn.example/a.mp4' },
          { type: 'sticker', url: 'https://cdn.example/s.png', sticker_id: 369239263222822 },
          { type: 'fallback', url: 'https://example.com', title: 'A link' },
        ],
      },
    });
  });

  it.each([
    ['reaction', { reaction: { reaction: 'love', emoji: '❤', action: 'react', mid: 'm_1' } }],
    ['referral', { referral: { ref: 'ad', source: 'ADS', type: 'OPEN_THREAD' } }],
    ['optin', { optin: { ref: 'x' } }],
    ['nothing at all', {}],
  ])('a %s event yields no event', (_kind, body) => {
    expect(parse(pageNotification([{ ...party, timestamp: 1, ...body }]))).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
  });

  it('standby events belong to another app and yield no event', () => {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: '1', time: 1, standby: [{ ...party, timestamp: 1, message: { mid: 'm_s', text: 'hi' } }] }],
    });
    expect(parse(body)).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
  });

  it('echoes of our own messages are skipped', () => {
    const echo = {
      sender: party.recipient,
      recipient: party.sender,
      timestamp: 1,
      message: { is_echo: true, mid: 'm_echo', text: 'ours' },
    };
    expect(parse(pageNotification([echo]))).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
  });

  it('events without a sender id cannot be addressed and are left out', () => {
    const { inbound } = eventsOf(
      pageNotification([
        { recipient: party.recipient, timestamp: 1, message: { mid: 'm_x', text: 'x' } },
        { ...party, timestamp: 1, message: { mid: 'm_y', text: 'y' } },
      ]),
    );
    expect(inbound.map((event) => event.provider_message_id)).toEqual(['m_y']);
  });
});

describe('Messenger calls', () => {
  it('a call with many entries and events yields every event, in order', () => {
    const entry = Array.from({ length: 5 }, (_, entryIndex) => ({
      id: '112233445566778',
      time: 1700000000000 + entryIndex,
      messaging: Array.from({ length: 40 }, (_, index) => {
        const sender = { id: `psid-${entryIndex}-${index % 4}` };
        const timestamp = 1700000000000 + index;
        switch (index % 4) {
          case 0:
            return { sender, recipient: party.recipient, timestamp, message: { mid: `m_${entryIndex}_${index}`, text: `hi ${index}` } };
          case 1:
            return { sender, recipient: party.recipient, delivery: { mids: [`m_out_${entryIndex}_${index}`], watermark: timestamp } };
          case 2:
            return { sender, recipient: party.recipient, timestamp, read: { watermark: timestamp } };
          default:
            return { sender, recipient: party.recipient, timestamp, postback: { title: 'Menu', payload: `P${index}` } };
        }
      }),
    }));
    const { inbound, statuses } = eventsOf(JSON.stringify({ object: 'page', entry }));
    expect(inbound).toHaveLength(100);
    expect(statuses).toHaveLength(100);
    expect(inbound[0].provider_message_id).toBe('m_0_0');
    expect(statuses[0].provider_message_id).toBe('m_out_0_1');
    expect(statuses[1]).toMatchObject({ status: 'read', recipient_address: 'psid-0-2' });
    expect(new Set([...inbound, ...statuses].map((event) => event.event_id)).size).toBe(200);
  });

  it('the same call parsed twice gives the same events', () => {
    expect(parse(fixtureBytes('delivery-read-postback-echo.json'))).toEqual(parse(fixtureBytes('delivery-read-postback-echo.json')));
  });

  it('a body that is not JSON is invalid_json', () => {
    expect(parse('hub.mode=subscribe')).toEqual({ ok: false, error: { kind: 'invalid_json', detail: expect.any(String) } });
  });

  it('a notification for another Meta product is unsupported_payload', () => {
    expect(parse('{"object":"instagram","entry":[]}')).toMatchObject({ ok: false, error: { kind: 'unsupported_payload' } });
  });

  it.each(['[1]', 'true', '{"object":"page"}', '{"object":"page","entry":"x"}'])('%s is invalid_payload', (body) => {
    expect(parse(body)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });
});

describe('Messenger: entries for another page', () => {
  const parseFor = (credentials: Record<string, unknown>, rawBody: string): ParseResult =>
    adapter.parse(request(rawBody), { ...channel, credentials }, receivedAt);
  const message = (mid: string) => ({ ...party, timestamp: 1458692752478, message: { mid, text: 'hello' } });
  const twoPages = JSON.stringify({
    object: 'page',
    entry: [
      { id: '112233445566778', time: 1458692752478, messaging: [message('m_ours')] },
      { id: '998877665544332', time: 1458692752478, messaging: [message('m_theirs')] },
    ],
  });

  it('keeps only the entries of the channel’s page_id and counts the rest', () => {
    const result = parseFor({ app_secret: 's', page_id: '112233445566778' }, twoPages);
    expect(result).toMatchObject({ ok: true, events: { skipped: { other_page: 1 } } });
    expect(result.ok && result.events.inbound.map((event) => event.provider_message_id)).toEqual(['m_ours']);
  });

  it('takes every page when the channel names none', () => {
    const result = parseFor({ app_secret: 's' }, twoPages);
    expect(result.ok && result.events.inbound.map((event) => event.provider_message_id)).toEqual(['m_ours', 'm_theirs']);
  });

  it('counts a messaging item without a sender and keeps the rest', () => {
    const result = parseFor({ app_secret: 's' }, pageNotification([{ timestamp: 1, message: { mid: 'm_x', text: 'x' } }, message('m_ok')]));
    expect(result).toMatchObject({ ok: true, events: { skipped: { unreadable_item: 1 } } });
    expect(result.ok && result.events.inbound).toHaveLength(1);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InboundMessageEvent, validateEvent } from '@inbound/contracts';
import type { ParseResult, ProviderAdapter, WebhookRequest } from '../shared/adapter.types';
import { createTelegramAdapter } from './telegram.adapter';
import type { TelegramUpdate } from './telegram.types';
import textMessageFixture from './fixtures/text-message.json';
import photoFixture from './fixtures/photo-with-caption.json';
import editedFixture from './fixtures/edited-message.json';
import channelPostFixture from './fixtures/channel-post.json';
import callbackQueryFixture from './fixtures/callback-query.json';
import { commonEventFields, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const channel = specChannel('telegram');
const receivedAt = SPEC_RECEIVED_AT;
const common = commonEventFields(channel);

const adapter: ProviderAdapter = createTelegramAdapter({ now: () => receivedAt, httpGetText: async () => '' });

function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, 'fixtures', name));
}

function request(rawBody: Buffer | string): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/telegram/${channel.id}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
  };
}

function parse(rawBody: Buffer | string): ParseResult {
  return adapter.parse(request(rawBody), channel, receivedAt);
}

function inboundOf(rawBody: Buffer | string): InboundMessageEvent[] {
  const result = parse(rawBody);
  if (!result.ok) throw new Error(`parse failed: ${result.error.kind} ${result.error.detail}`);
  for (const event of result.events.inbound) {
    // As published: a JSON round trip, then the consumer's validation.
    expect(validateEvent(InboundMessageEvent, JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  }
  expect(result.events.statuses).toEqual([]);
  return result.events.inbound;
}

describe('Telegram fixtures (docs/PROVIDERS.md, Telegram)', () => {
  it('match the documented types', () => {
    const documented: TelegramUpdate[] = [textMessageFixture, photoFixture, editedFixture, channelPostFixture, callbackQueryFixture];
    expect(documented.map((update) => update.update_id)).toEqual([914378261, 914378262, 914378263, 914378264, 914378265]);
  });

  it('a text message in a private chat', () => {
    expect(inboundOf(fixtureBytes('text-message.json'))).toEqual([
      {
        ...common,
        event_id: '09b309c3-40d0-5d7f-9d4d-d669d11fe40d',
        provider_message_id: '123456789:42',
        sender_address: '123456789',
        sender_name: 'Ada Lovelace',
        message_body: '/start hello',
        timestamp: '2025-01-01T00:00:00.000Z',
        metadata: { update_id: 914378261, update_type: 'message', chat_type: 'private', from_id: '123456789', username: 'ada' },
      },
    ]);
  });

  it('a photo: the largest size, its caption as the body', () => {
    expect(inboundOf(fixtureBytes('photo-with-caption.json'))).toEqual([
      {
        ...common,
        event_id: 'ca6faa1b-0be3-5930-a4cd-2b9e01024349',
        provider_message_id: '123456789:43',
        sender_address: '123456789',
        sender_name: 'Ada',
        message_body: 'receipt',
        timestamp: '2025-01-01T00:01:00.000Z',
        media_type: 'photo',
        metadata: {
          update_id: 914378262,
          update_type: 'message',
          chat_type: 'private',
          from_id: '123456789',
          file_id: 'AgACAgQAAxkBAAMrZ0example-x',
          file_unique_id: 'AQADs3',
          file_size: 154320,
          width: 1280,
          height: 960,
        },
      },
    ]);
  });

  it('an edited message: same provider_message_id, its own event_id, marked edited', () => {
    const [edit] = inboundOf(fixtureBytes('edited-message.json'));
    expect(edit).toEqual({
      ...common,
      event_id: 'd4f46ddf-fb19-525a-812f-c4d256f5bb89',
      provider_message_id: '123456789:42',
      sender_address: '123456789',
      sender_name: 'Ada',
      message_body: '/start hello again',
      timestamp: '2025-01-01T00:00:00.000Z',
      metadata: {
        update_id: 914378263,
        update_type: 'edited_message',
        chat_type: 'private',
        from_id: '123456789',
        edited: true,
        edit_date: '2025-01-01T00:02:00.000Z',
      },
    });
    const [original] = inboundOf(fixtureBytes('text-message.json'));
    expect(edit.provider_message_id).toBe(original.provider_message_id);
    expect(edit.event_id).not.toBe(original.event_id);
  });

  it('a channel post: the channel is the sender', () => {
    expect(inboundOf(fixtureBytes('channel-post.json'))).toEqual([
      {
        ...common,
        event_id: 'f3fddd9f-ffd8-50fa-88c6-152cb0a22a45',
        provider_message_id: '-1001234567890:7',
        sender_address: '-1001234567890',
        sender_name: 'My Channel',
        message_body: 'New post',
        timestamp: '2025-01-01T00:03:20.000Z',
        metadata: { update_id: 914378264, update_type: 'channel_post', chat_type: 'channel', chat_title: 'My Channel' },
      },
    ]);
  });

  it('a callback query is accepted with no event', () => {
    expect(parse(fixtureBytes('callback-query.json'))).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
  });

  it('a document', () => {
    expect(inboundOf(fixtureBytes('document-message.json'))).toEqual([
      {
        ...common,
        event_id: '5d27e10e-ff9f-586a-ba65-0f3378ec0645',
        provider_message_id: '123456789:45',
        sender_address: '123456789',
        sender_name: 'Ada',
        timestamp: '2025-01-01T00:06:40.000Z',
        media_type: 'document',
        metadata: {
          update_id: 914378266,
          update_type: 'message',
          chat_type: 'private',
          from_id: '123456789',
          file_id: 'BQACAgQAAxkBAAMtZ0example-doc',
          file_unique_id: 'AgADdoc1',
          file_name: 'a.pdf',
          mime_type: 'application/pdf',
          file_size: 1024,
        },
      },
    ]);
  });

  it('a voice note', () => {
    expect(inboundOf(fixtureBytes('voice-message.json'))).toEqual([
      {
        ...common,
        event_id: '9c3d9307-5641-5fc7-9eac-083c7bd81fff',
        provider_message_id: '123456789:46',
        sender_address: '123456789',
        sender_name: 'Ada',
        timestamp: '2025-01-01T00:07:40.000Z',
        media_type: 'voice',
        metadata: {
          update_id: 914378267,
          update_type: 'message',
          chat_type: 'private',
          from_id: '123456789',
          file_id: 'AwACAgQAAxkBAAMuZ0example-voice',
          file_unique_id: 'AgADvoice1',
          mime_type: 'audio/ogg',
          file_size: 8000,
          duration: 3,
        },
      },
    ]);
  });

  it('a location', () => {
    expect(inboundOf(fixtureBytes('location-message.json'))).toEqual([
      {
        ...common,
        event_id: 'de4eead8-918a-5132-8df8-0290441ed153',
        provider_message_id: '123456789:47',
        sender_address: '123456789',
        sender_name: 'Ada',
        timestamp: '2025-01-01T00:08:40.000Z',
        media_type: 'location',
        metadata: {
          update_id: 914378268,
          update_type: 'message',
          chat_type: 'private',
          from_id: '123456789',
          location: { latitude: 48.8584, longitude: 2.2945 },
        },
      },
    ]);
  });

  it('a shared contact', () => {
    expect(inboundOf(fixtureBytes('contact-message.json'))).toEqual([
      {
        ...common,
        event_id: '6df45d51-9ca4-554b-aa73-42f35b370879',
        provider_message_id: '123456789:48',
        sender_address: '123456789',
        sender_name: 'Ada',
        timestamp: '2025-01-01T00:09:40.000Z',
        media_type: 'contact',
        metadata: {
          update_id: 914378269,
          update_type: 'message',
          chat_type: 'private',
          from_id: '123456789',
          contact: { phone_number: '+15555550100', first_name: 'Bob', user_id: 222 },
        },
      },
    ]);
  });
});

function update(message: Record<string, unknown>, updateId = 1, field = 'message'): string {
  return JSON.stringify({
    update_id: updateId,
    [field]: {
      message_id: 9,
      from: { id: 5, is_bot: false, first_name: 'Grace', last_name: 'Hopper', username: 'grace' },
      chat: { id: -100200, type: 'supergroup', title: 'Compilers' },
      date: 1735689600,
      ...message,
    },
  });
}

describe('Telegram message kinds', () => {
  it.each([
    ['audio', { audio: { file_id: 'AUD', file_unique_id: 'a', duration: 200, title: 'Song', mime_type: 'audio/mpeg' } }],
    ['video', { video: { file_id: 'VID', file_unique_id: 'v', width: 640, height: 480, duration: 5, mime_type: 'video/mp4' } }],
    [
      'sticker',
      {
        sticker: {
          file_id: 'STK',
          file_unique_id: 's',
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
          emoji: '😀',
        },
      },
    ],
    ['video_note', { video_note: { file_id: 'VN', file_unique_id: 'n', length: 240, duration: 7 } }],
    // An animation also sets `document`; it is reported as what it is.
    [
      'animation',
      { animation: { file_id: 'ANI', file_unique_id: 'g', mime_type: 'video/mp4' }, document: { file_id: 'ANI', file_unique_id: 'g' } },
    ],
  ])('%s → media_type and file_id', (mediaType, content) => {
    const [event] = inboundOf(update(content));
    expect(event.media_type).toBe(mediaType);
    expect(event.metadata['file_id']).toEqual(expect.any(String));
    expect(event.message_body).toBeUndefined();
  });

  it('a venue is a location with its title and address', () => {
    const venue = { location: { latitude: 1.5, longitude: 2.5 }, title: 'Cafe', address: '1 Main St' };
    const [event] = inboundOf(update({ venue, location: venue.location }));
    expect(event.media_type).toBe('location');
    expect(event.metadata['location']).toEqual({ latitude: 1.5, longitude: 2.5, title: 'Cafe', address: '1 Main St' });
  });

  it('in a group: the chat is the address, the person is the sender name, from.id is kept', () => {
    const [event] = inboundOf(update({ text: 'hi all' }));
    expect(event).toMatchObject({
      provider_message_id: '-100200:9',
      sender_address: '-100200',
      sender_name: 'Grace Hopper',
      metadata: { chat_type: 'supergroup', chat_title: 'Compilers', from_id: '5', username: 'grace' },
    });
  });

  it('sender name falls back to the username', () => {
    const [event] = inboundOf(update({ text: 'x', from: { id: 5, is_bot: false, first_name: '', username: 'grace' } }));
    expect(event.sender_name).toBe('grace');
  });

  it('an edited channel post', () => {
    const body = JSON.stringify({
      update_id: 77,
      edited_channel_post: {
        message_id: 7,
        chat: { id: -1001234567890, title: 'My Channel', type: 'channel' },
        date: 1735689800,
        edit_date: 1735689900,
        text: 'New post (fixed)',
      },
    });
    const [event] = inboundOf(body);
    expect(event).toMatchObject({
      provider_message_id: '-1001234567890:7',
      sender_name: 'My Channel',
      metadata: { update_type: 'edited_channel_post', edited: true, edit_date: '2025-01-01T00:05:00.000Z' },
    });
  });

  it('a reply names the message it answers', () => {
    const [event] = inboundOf(
      update({ text: 'yes', reply_to_message: { message_id: 3, chat: { id: -100200, type: 'supergroup' }, date: 1 } }),
    );
    expect(event.metadata['reply_to_message_id']).toBe('3');
  });

  it('a message with no text or media we know still becomes an event', () => {
    const [event] = inboundOf(update({ dice: { emoji: '🎲', value: 4 } }));
    expect(event.message_body).toBeUndefined();
    expect(event.media_type).toBeUndefined();
  });
});

describe('Telegram update handling', () => {
  it.each(['poll', 'my_chat_member', 'inline_query', 'message_reaction', 'chat_join_request'])(
    'an update of kind %s is accepted with no event',
    (kind) => {
      expect(parse(JSON.stringify({ update_id: 5, [kind]: { id: 'x' } }))).toEqual({ ok: true, events: { inbound: [], statuses: [] } });
    },
  );

  it('the same update parsed twice gives the same event', () => {
    expect(parse(fixtureBytes('photo-with-caption.json'))).toEqual(parse(fixtureBytes('photo-with-caption.json')));
  });

  it('many updates give as many distinct event ids', () => {
    const ids = new Set<string>();
    for (let updateId = 1; updateId <= 200; updateId += 1) {
      const [event] = inboundOf(update({ text: `n${updateId}`, message_id: updateId }, updateId));
      ids.add(event.event_id);
    }
    expect(ids.size).toBe(200);
  });

  it('a body that is not JSON is invalid_json', () => {
    expect(parse('update_id=1')).toEqual({ ok: false, error: { kind: 'invalid_json', detail: expect.any(String) } });
    expect(parse('')).toMatchObject({ ok: false, error: { kind: 'invalid_json' } });
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['a message that is not an object', '{"update_id":1,"message":"hi"}'],
    ['a message without a chat', '{"update_id":1,"message":{"message_id":1,"date":1,"text":"hi"}}'],
    ['a message without message_id', '{"update_id":1,"message":{"chat":{"id":1,"type":"private"},"date":1}}'],
  ])('%s is invalid_payload', (_case, body) => {
    expect(parse(body)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it('a missing or impossible date falls back to the receive time', () => {
    const [event] = inboundOf(update({ text: 'x', date: 'yesterday' }));
    expect(event.timestamp).toBe('2025-01-01T00:00:05.000Z');
  });
});

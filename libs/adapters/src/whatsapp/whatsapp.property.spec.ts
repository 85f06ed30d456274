import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { WebhookRequest } from '../shared/adapter.types';
import { createWhatsAppAdapter } from './whatsapp.adapter';
import { parseWhatsAppNotification } from './whatsapp.parser';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const adapter = createWhatsAppAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('whatsapp');
const receivedAt = SPEC_RECEIVED_AT;

function request(rawBody: Uint8Array | string, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  return { method: 'POST', url: 'https://hooks.example.com/webhooks/whatsapp/c', headers, rawBody: Buffer.from(rawBody) };
}

function metaSignature(body: Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const text = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.string(), fc.anything());
const messageTypes = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'unsupported',
];

const messageLike = fc.record(
  {
    from: text,
    id: text,
    timestamp: fc.oneof(fc.integer().map(String), fc.integer(), fc.string(), fc.anything()),
    type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...messageTypes) }, fc.string(), fc.anything()),
    text: fc.oneof(fc.record({ body: text }), fc.anything()),
    image: fc.oneof(fc.record({ id: text, mime_type: text, caption: text, url: text }, { requiredKeys: [] }), fc.anything()),
    audio: fc.anything(),
    video: fc.anything(),
    document: fc.anything(),
    sticker: fc.anything(),
    location: fc.oneof(fc.record({ latitude: fc.double(), longitude: fc.anything(), name: text }, { requiredKeys: [] }), fc.anything()),
    contacts: fc.oneof(fc.array(fc.anything()), fc.anything()),
    interactive: fc.oneof(
      fc.record({ type: text, button_reply: fc.anything(), list_reply: fc.record({ id: text, title: text }) }, { requiredKeys: [] }),
      fc.anything(),
    ),
    button: fc.anything(),
    reaction: fc.oneof(fc.record({ message_id: text, emoji: text }, { requiredKeys: [] }), fc.anything()),
    context: fc.anything(),
    errors: fc.oneof(fc.array(fc.record({ code: fc.anything(), title: text, message: text }, { requiredKeys: [] })), fc.anything()),
  },
  { requiredKeys: ['from', 'id', 'type'] },
);

const statusLike = fc.record(
  {
    id: text,
    status: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('sent', 'delivered', 'read', 'failed', 'played') },
      fc.string(),
      fc.anything(),
    ),
    timestamp: fc.oneof(fc.integer().map(String), fc.string(), fc.anything()),
    recipient_id: text,
    recipient_participant_id: fc.anything(),
    conversation: fc.anything(),
    pricing: fc.anything(),
    errors: fc.oneof(
      fc.array(fc.record({ code: fc.oneof(fc.integer(), fc.anything()), title: text, error_data: fc.anything() }, { requiredKeys: [] })),
      fc.anything(),
    ),
  },
  { requiredKeys: ['id', 'status'] },
);

const notificationLike = fc.record({
  object: fc.constantFrom('whatsapp_business_account', undefined),
  entry: fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          id: fc.anything(),
          changes: fc.array(
            fc.record({
              field: fc.oneof({ weight: 5, arbitrary: fc.constant('messages') }, fc.anything()),
              value: fc.oneof(
                {
                  weight: 5,
                  arbitrary: fc.record(
                    {
                      metadata: fc.anything(),
                      contacts: fc.oneof(
                        fc.array(fc.record({ wa_id: text, profile: fc.oneof(fc.record({ name: text }), fc.anything()) })),
                        fc.anything(),
                      ),
                      messages: fc.oneof({ weight: 4, arbitrary: fc.array(messageLike, { maxLength: 4 }) }, fc.anything()),
                      statuses: fc.oneof({ weight: 4, arbitrary: fc.array(statusLike, { maxLength: 4 }) }, fc.anything()),
                    },
                    { requiredKeys: [] },
                  ),
                },
                fc.anything(),
              ),
            }),
            { maxLength: 3 },
          ),
        }),
      },
      fc.anything(),
    ),
    { maxLength: 3 },
  ),
});

describe('WhatsApp adapter properties', () => {
  it('a signature made with another secret is never accepted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.uint8Array(), async (secret, other, body) => {
        fc.pre(secret !== other);
        const result = await adapter.verify(request(body, { 'x-hub-signature-256': metaSignature(body, other) }), { app_secret: secret });
        return result.ok === false && result.reason === 'bad_signature';
      }),
    );
  });

  it("a signature made with the channel's secret is always accepted", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.uint8Array(), async (secret, body) => {
        const result = await adapter.verify(request(body, { 'x-hub-signature-256': metaSignature(body, secret) }), { app_secret: secret });
        return result.ok;
      }),
    );
  });

  it('parse of notification-shaped JSON makes only valid events, the same ones each time', () => {
    let withEvents = 0;
    fc.assert(
      fc.property(notificationLike, (notification) => {
        const body = JSON.stringify(notification);
        const first = parseWhatsAppNotification(request(body), channel, receivedAt);
        expect(adapter.parse(request(body), channel, receivedAt)).toEqual(first);
        if (first.ok && first.events.inbound.length + first.events.statuses.length > 0) withEvents += 1;
        return everyEventValid(first);
      }),
      { numRuns: 300 },
    );
    expect(withEvents).toBeGreaterThan(60);
  });
});

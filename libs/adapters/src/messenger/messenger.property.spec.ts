import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { WebhookRequest } from '../shared/adapter.types';
import { createMessengerAdapter } from './messenger.adapter';
import { parseMessengerNotification } from './messenger.parser';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const adapter = createMessengerAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('messenger');
const receivedAt = SPEC_RECEIVED_AT;

function request(rawBody: Uint8Array | string, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  return { method: 'POST', url: 'https://hooks.example.com/webhooks/messenger/c', headers, rawBody: Buffer.from(rawBody) };
}

function metaSignature(body: Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const text = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.string(), fc.anything());
const time = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 4_102_444_800_000 }) }, fc.double(), fc.string(), fc.anything());

const eventLike = fc.record(
  {
    sender: fc.oneof({ weight: 5, arbitrary: fc.record({ id: fc.oneof(text, fc.integer()) }) }, fc.anything()),
    recipient: fc.anything(),
    timestamp: time,
    message: fc.oneof(
      fc.record(
        {
          mid: text,
          text,
          is_echo: fc.oneof(fc.boolean(), fc.anything()),
          quick_reply: fc.anything(),
          reply_to: fc.anything(),
          attachments: fc.oneof(
            fc.array(fc.record({ type: text, payload: fc.oneof(fc.record({ url: text }), fc.anything()) }, { requiredKeys: [] })),
            fc.anything(),
          ),
        },
        { requiredKeys: ['mid'] },
      ),
      fc.anything(),
    ),
    postback: fc.oneof(fc.record({ title: text, payload: text, mid: text }, { requiredKeys: [] }), fc.anything()),
    delivery: fc.oneof(fc.record({ mids: fc.oneof(fc.array(text), fc.anything()), watermark: time }, { requiredKeys: [] }), fc.anything()),
    read: fc.oneof(fc.record({ watermark: time }), fc.anything()),
  },
  { requiredKeys: ['sender'] },
);

const notificationLike = fc.record({
  object: fc.constantFrom('page', undefined),
  entry: fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record(
          { id: fc.anything(), time, messaging: fc.oneof({ weight: 5, arbitrary: fc.array(eventLike, { maxLength: 5 }) }, fc.anything()) },
          { requiredKeys: ['messaging'] },
        ),
      },
      fc.anything(),
    ),
    { maxLength: 3 },
  ),
});

describe('Messenger adapter properties', () => {
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
        const first = parseMessengerNotification(request(body), channel, receivedAt);
        expect(adapter.parse(request(body), channel, receivedAt)).toEqual(first);
        if (first.ok && first.events.inbound.length + first.events.statuses.length > 0) withEvents += 1;
        return everyEventValid(first);
      }),
      { numRuns: 300 },
    );
    expect(withEvents).toBeGreaterThan(60);
  });
});

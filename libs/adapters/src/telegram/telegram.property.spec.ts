import fc from 'fast-check';
import type { WebhookRequest } from '../shared/adapter.types';
import { createTelegramAdapter } from './telegram.adapter';
import { parseTelegramUpdate } from './telegram.parser';
import { verifyTelegramSecretToken } from './telegram.signature';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const adapter = createTelegramAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('telegram');
const receivedAt = SPEC_RECEIVED_AT;

function request(rawBody: Uint8Array | string, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  return { method: 'POST', url: 'https://hooks.example.com/webhooks/telegram/c', headers, rawBody: Buffer.from(rawBody) };
}

const secretToken = fc.stringMatching(/^[A-Za-z0-9_-]{1,256}$/);

const person = fc.record(
  {
    id: fc.oneof(fc.integer(), fc.string(), fc.anything()),
    first_name: fc.oneof(fc.string(), fc.anything()),
    last_name: fc.string(),
    username: fc.string(),
  },
  { requiredKeys: [] },
);

const identifier = fc.oneof({ weight: 4, arbitrary: fc.integer() }, fc.string(), fc.double(), fc.anything());

/** Updates shaped like Telegram's, mostly well formed, with any value where a field should be. */
const updateLike = fc.record(
  {
    update_id: fc.oneof({ weight: 4, arbitrary: fc.integer() }, fc.anything()),
    message: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record(
          {
            message_id: identifier,
            chat: fc.oneof(
              {
                weight: 6,
                arbitrary: fc.record(
                  { id: identifier, type: fc.string(), title: fc.oneof(fc.string(), fc.anything()) },
                  { requiredKeys: ['id'] },
                ),
              },
              fc.anything(),
            ),
            from: fc.oneof(person, fc.anything()),
            sender_chat: fc.anything(),
            date: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.anything()),
            edit_date: fc.oneof(fc.integer(), fc.anything()),
            text: fc.oneof(fc.string(), fc.anything()),
            caption: fc.anything(),
            photo: fc.oneof(
              fc.array(
                fc.record(
                  { file_id: fc.oneof(fc.string(), fc.anything()), width: fc.anything(), height: fc.anything() },
                  { requiredKeys: [] },
                ),
              ),
              fc.anything(),
            ),
            document: fc.anything(),
            voice: fc.anything(),
            sticker: fc.anything(),
            location: fc.oneof(fc.record({ latitude: fc.double(), longitude: fc.anything() }), fc.anything()),
            venue: fc.anything(),
            contact: fc.anything(),
            reply_to_message: fc.anything(),
          },
          { requiredKeys: ['message_id', 'chat'] },
        ),
      },
      fc.anything(),
    ),
  },
  { requiredKeys: ['message'] },
);

describe('Telegram adapter properties', () => {
  it('a token other than the channel secret is never accepted', async () => {
    await fc.assert(
      fc.asyncProperty(secretToken, secretToken, fc.uint8Array(), async (secret, other, body) => {
        fc.pre(secret !== other);
        const result = await adapter.verify(request(body, { 'x-telegram-bot-api-secret-token': other }), { webhook_secret: secret });
        return result.ok === false && result.reason === 'bad_signature';
      }),
    );
  });

  it('the channel secret is always accepted', async () => {
    await fc.assert(
      fc.asyncProperty(secretToken, fc.uint8Array(), async (secret, body) => {
        const result = await adapter.verify(request(body, { 'x-telegram-bot-api-secret-token': secret }), { webhook_secret: secret });
        return result.ok;
      }),
    );
  });

  it('a previous secret is accepted exactly while its expiry lies ahead', async () => {
    const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true });
    await fc.assert(
      fc.asyncProperty(secretToken, secretToken, instant, instant, async (current, previous, now, expiresAt) => {
        fc.pre(current !== previous);
        const credentials = {
          webhook_secret: current,
          previous_webhook_secret: previous,
          previous_webhook_secret_expires_at: expiresAt.toISOString(),
        };
        const result = verifyTelegramSecretToken(request('{}', { 'x-telegram-bot-api-secret-token': previous }), credentials, now);
        return result.ok === expiresAt.getTime() > now.getTime();
      }),
    );
  });

  it('parse of update-shaped JSON makes only valid events, the same ones each time', () => {
    let withEvent = 0;
    fc.assert(
      fc.property(updateLike, fc.constantFrom('message', 'edited_message', 'channel_post', 'edited_channel_post'), (update, field) => {
        const { message, ...rest } = update as Record<string, unknown>;
        const body = JSON.stringify({ ...rest, [field]: message });
        const first = parseTelegramUpdate(request(body), channel, receivedAt);
        expect(adapter.parse(request(body), channel, receivedAt)).toEqual(first);
        if (first.ok && first.events.inbound.length > 0) withEvent += 1;
        return everyEventValid(first);
      }),
      { numRuns: 300 },
    );
    // The shapes reach event building, not just the early rejections.
    expect(withEvent).toBeGreaterThan(60);
  });
});

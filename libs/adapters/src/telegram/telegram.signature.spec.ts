import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelCredentials, WebhookRequest } from '../shared/adapter.types';
import { createTelegramAdapter } from './telegram.adapter';

const adapter = createTelegramAdapter({ now: () => new Date(), httpGetText: async () => '' });
const secret = 'k3y_With-Only-Allowed_chars-0123456789';
const credentials: ChannelCredentials = { bot_token: '123:ABC', webhook_secret: secret };
const body = readFileSync(join(__dirname, 'fixtures', 'text-message.json'));

function request(headers: WebhookRequest['headers'], rawBody: Buffer = body): WebhookRequest {
  return { method: 'POST', url: 'https://hooks.example.com/webhooks/telegram/c', headers, rawBody };
}

describe('Telegram secret token', () => {
  it('accepts the token given to setWebhook', async () => {
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': secret }), credentials)).resolves.toEqual({ ok: true });
  });

  it('takes the first value of a repeated header', async () => {
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': [secret, 'other'] }), credentials)).resolves.toEqual({ ok: true });
  });

  it('rejects another token, a prefix of it and a longer one', async () => {
    for (const token of ['wrong-secret', secret.slice(0, -1), `${secret}x`, secret.toUpperCase()]) {
      await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': token }), credentials)).resolves.toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('rejects a missing or empty header as missing_signature', async () => {
    await expect(adapter.verify(request({}), credentials)).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': '' }), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('reports the missing header before looking at credentials or body', async () => {
    await expect(adapter.verify(request({}, Buffer.from('not json')), {})).resolves.toMatchObject({ reason: 'missing_signature' });
  });

  it.each([
    ['no webhook_secret', { bot_token: '1:A' }],
    ['an empty webhook_secret', { webhook_secret: '' }],
    ['a numeric webhook_secret', { webhook_secret: 42 }],
    ['null credentials', null],
    ['an array', [secret]],
    ['a string', secret],
  ])('%s is missing_credentials', async (_case, given) => {
    await expect(
      adapter.verify(request({ 'x-telegram-bot-api-secret-token': secret }), given as unknown as ChannelCredentials),
    ).resolves.toMatchObject({ ok: false, reason: 'missing_credentials' });
  });

  it('does not cover the body: Telegram signs nothing, a changed body with the right token passes', async () => {
    const tampered = Buffer.from(body);
    tampered[20] ^= 0x01;
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': secret }, tampered), credentials)).resolves.toEqual({ ok: true });
  });

  it('answers a value for a request that is not a request', async () => {
    const broken = { headers: null, rawBody: 5 } as unknown as WebhookRequest;
    await expect(adapter.verify(broken, credentials)).resolves.toMatchObject({ ok: false });
  });
});

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
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': [secret, 'other'] }), credentials)).resolves.toEqual({
      ok: true,
    });
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
    await expect(adapter.verify(request({ 'x-telegram-bot-api-secret-token': secret }, tampered), credentials)).resolves.toEqual({
      ok: true,
    });
  });

  describe('after a rotation', () => {
    const rotatedAt = new Date('2026-03-01T12:00:00.000Z');
    const expiresAt = new Date(rotatedAt.getTime() + 10 * 60_000);
    const previous = 'previous_secret-0123456789abcdefghij';
    const rotated: ChannelCredentials = {
      bot_token: '123:ABC',
      webhook_secret: secret,
      previous_webhook_secret: previous,
      previous_webhook_secret_expires_at: expiresAt.toISOString(),
    };
    const adapterAt = (now: Date) => createTelegramAdapter({ now: () => now, httpGetText: async () => '' });
    const verifyAt = (now: Date, token: string, credentials = rotated) =>
      adapterAt(now).verify(request({ 'x-telegram-bot-api-secret-token': token }), credentials);

    it('accepts the current and the previous secret until the previous one expires', async () => {
      for (const now of [rotatedAt, new Date(expiresAt.getTime() - 1)]) {
        await expect(verifyAt(now, secret)).resolves.toEqual({ ok: true });
        await expect(verifyAt(now, previous)).resolves.toEqual({ ok: true });
        await expect(verifyAt(now, 'neither-of-the-two')).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
      }
    });

    it('refuses the previous secret from its expiry on, and keeps accepting the current one', async () => {
      await expect(verifyAt(rotatedAt, previous)).resolves.toEqual({ ok: true });
      for (const now of [expiresAt, new Date(expiresAt.getTime() + 60 * 60_000)]) {
        await expect(verifyAt(now, previous)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
        await expect(verifyAt(now, secret)).resolves.toEqual({ ok: true });
      }
    });

    it.each([
      ['no expiry', { previous_webhook_secret_expires_at: undefined }],
      ['an expiry that is not a time', { previous_webhook_secret_expires_at: 'in ten minutes' }],
      ['an expiry as a number', { previous_webhook_secret_expires_at: expiresAt.getTime() }],
    ])('a previous secret with %s is not accepted, the current one still is', async (_case, change) => {
      const credentials = { ...rotated, ...change };
      await expect(verifyAt(rotatedAt, secret, credentials)).resolves.toEqual({ ok: true });
      await expect(verifyAt(rotatedAt, previous, credentials)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
      // The same credentials with a readable expiry do accept it: the case above is refused for its expiry alone.
      await expect(verifyAt(rotatedAt, previous, rotated)).resolves.toEqual({ ok: true });
    });
  });

  it('answers a value for a request that is not a request', async () => {
    const broken = { headers: null, rawBody: 5 } as unknown as WebhookRequest;
    await expect(adapter.verify(broken, credentials)).resolves.toMatchObject({ ok: false });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../shared/adapter.types';
import { createUnipileAdapter } from './unipile.adapter';
import { signUnipileCall } from './unipile.test-signer';

const adapter = createUnipileAdapter({ now: () => new Date(), httpGetText: async () => '' });
const SECRET = 'n3Qy0c2l8VbJx9mZkRr5W1tE4uH6sA7dF0gJ2hK3lPo';
const body = readFileSync(join(__dirname, 'fixtures', 'message-received.json'));

const request = (headers: WebhookRequest['headers']): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/unipile/c',
  headers,
  rawBody: body,
});
const verify = (headers: WebhookRequest['headers'], credentials: Record<string, unknown> = { webhook_secret: SECRET }) =>
  adapter.verify(request(headers), credentials);

describe('Unipile X-Unipile-Webhook-Secret', () => {
  it('accepts the header equal to webhook_secret (Node delivers header names in lower case)', async () => {
    await expect(verify({ 'x-unipile-webhook-secret': SECRET })).resolves.toEqual({ ok: true });
    await expect(verify({ 'x-unipile-webhook-secret': [SECRET, 'second'] })).resolves.toEqual({ ok: true });
  });

  it('agrees with the test signer', async () => {
    expect(signUnipileCall(SECRET)).toEqual({ 'x-unipile-webhook-secret': SECRET });
    await expect(verify(signUnipileCall(SECRET))).resolves.toEqual({ ok: true });
  });

  it.each([
    ['another secret', 'n3Qy0c2l8VbJx9mZkRr5W1tE4uH6sA7dF0gJ2hK3lPx'],
    ['a prefix of it', SECRET.slice(0, 20)],
    ['it with more after', `${SECRET}x`],
    ['it in other case', SECRET.toUpperCase()],
  ])('refuses %s', async (_what, value) => {
    await expect(verify({ 'x-unipile-webhook-secret': value })).resolves.toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a call without the header before anything else, even on a channel without a secret', async () => {
    await expect(verify({})).resolves.toEqual({ ok: false, reason: 'missing_signature' });
    await expect(verify({ 'x-unipile-webhook-secret': '' })).resolves.toEqual({ ok: false, reason: 'missing_signature' });
    await expect(verify({ 'x-webhook-signature': SECRET })).resolves.toEqual({ ok: false, reason: 'missing_signature' });
    await expect(verify({}, {})).resolves.toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('fails closed on a channel without webhook_secret, whatever the header says', async () => {
    for (const credentials of [{}, { webhook_secret: '' }, { webhook_secret: 42 }, { api_key: SECRET }]) {
      await expect(verify({ 'x-unipile-webhook-secret': SECRET }, credentials)).resolves.toMatchObject({
        ok: false,
        reason: 'missing_credentials',
      });
    }
  });
});

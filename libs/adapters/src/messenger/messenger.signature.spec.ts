import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../shared/adapter.types';
import { createMessengerAdapter } from './messenger.adapter';

// The scheme's shared cases are in shared/hub-signature.spec.ts, run for WhatsApp and
// Messenger alike.
const adapter = createMessengerAdapter({ now: () => new Date(), httpGetText: async () => '' });
const appSecret = 'test_app_secret';
const prettyBody = readFileSync(join(__dirname, 'fixtures', 'delivery-read-postback-echo.json'));

describe('Messenger X-Hub-Signature-256', () => {
  it('does not fall back to the legacy SHA-1 X-Hub-Signature header', async () => {
    const sha1 = `sha1=${createHmac('sha1', appSecret).update(prettyBody).digest('hex')}`;
    const legacyOnly: WebhookRequest = {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/messenger/c',
      headers: { 'x-hub-signature': sha1 },
      rawBody: prettyBody,
    };
    await expect(adapter.verify(legacyOnly, { app_secret: appSecret })).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
  });
});

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../shared/adapter.types';
import { createWhatsAppAdapter } from './whatsapp.adapter';

// The scheme's shared cases (tampering, wrong secret, malformed headers…) are in
// shared/hub-signature.spec.ts, run for WhatsApp and Messenger alike.
const adapter = createWhatsAppAdapter({ now: () => new Date(), httpGetText: async () => '' });
const appSecret = 'test_app_secret';
const prettyBody = readFileSync(join(__dirname, 'fixtures', 'text-message.json'));

describe('WhatsApp X-Hub-Signature-256', () => {
  it('matches the documented test vector (docs/PROVIDERS.md, WhatsApp Cloud API: the 499-byte minified text sample)', async () => {
    const minified = Buffer.from(JSON.stringify(JSON.parse(prettyBody.toString('utf8'))));
    expect(minified.length).toBe(499);
    const documented = 'sha256=ded1d1d9621cffa39832ccf2b330fa476b4dc8ec2a5d102e1e554312b3f21d42';
    expect(`sha256=${createHmac('sha256', appSecret).update(minified).digest('hex')}`).toBe(documented);
    const request: WebhookRequest = {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/whatsapp/c',
      headers: { 'x-hub-signature-256': documented },
      rawBody: minified,
    };
    await expect(adapter.verify(request, { app_secret: appSecret })).resolves.toEqual({ ok: true });
  });
});

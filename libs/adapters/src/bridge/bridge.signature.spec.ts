import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../shared/adapter.types';
import { createBridgeAdapter } from './bridge.adapter';
import { signBridgeCall } from './bridge.test-signer';

const adapter = createBridgeAdapter({ now: () => new Date(), httpGetText: async () => '' });
const SECRET = 'bridge-secret-0123456789abcdef';
const PREVIOUS = 'bridge-previous-secret-fedcba9876';
const body = readFileSync(join(__dirname, 'fixtures', 'message-received-text.json'));

// Computed here with node:crypto, independently of the adapter and of the test signer.
const hmacHex = (secret: string, bytes: Buffer | string) => createHmac('sha256', secret).update(bytes).digest('hex');

const request = (signature: string | string[] | undefined, rawBody: Buffer = body): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/bridge/c',
  headers: signature === undefined ? {} : { 'x-webhook-signature': signature },
  rawBody,
});

describe('bridge X-Webhook-Signature', () => {
  it('accepts the hex HMAC-SHA256 of the raw body with webhook_secret', async () => {
    await expect(adapter.verify(request(hmacHex(SECRET, body)), { webhook_secret: SECRET })).resolves.toEqual({ ok: true });
  });

  it('accepts a sha256= prefix, upper-case hex and surrounding spaces', async () => {
    const hex = hmacHex(SECRET, body);
    for (const header of [`sha256=${hex}`, hex.toUpperCase(), ` sha256=${hex} `]) {
      await expect(adapter.verify(request(header), { webhook_secret: SECRET })).resolves.toEqual({ ok: true });
    }
  });

  it('agrees with the test signer', async () => {
    const headers = signBridgeCall(SECRET, body);
    expect(headers['x-webhook-signature']).toBe(`sha256=${hmacHex(SECRET, body)}`);
    await expect(adapter.verify({ ...request(undefined), headers }, { webhook_secret: SECRET })).resolves.toEqual({ ok: true });
  });

  it('refuses a tampered body', async () => {
    const tampered = Buffer.from(body.toString('utf8').replace('sábado', 'domingo'));
    await expect(adapter.verify(request(hmacHex(SECRET, body), tampered), { webhook_secret: SECRET })).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a signature made with another secret', async () => {
    await expect(adapter.verify(request(hmacHex('another-secret-0123456789', body)), { webhook_secret: SECRET })).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('accepts previous_webhook_secret during a rotation, and only while it is stored', async () => {
    const signedWithPrevious = request(hmacHex(PREVIOUS, body));
    await expect(adapter.verify(signedWithPrevious, { webhook_secret: SECRET, previous_webhook_secret: PREVIOUS })).resolves.toEqual({
      ok: true,
    });
    await expect(
      adapter.verify(request(hmacHex(SECRET, body)), { webhook_secret: SECRET, previous_webhook_secret: PREVIOUS }),
    ).resolves.toEqual({
      ok: true,
    });
    await expect(adapter.verify(signedWithPrevious, { webhook_secret: SECRET })).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('a previous secret alone does not verify: webhook_secret is required', async () => {
    await expect(adapter.verify(request(hmacHex(PREVIOUS, body)), { previous_webhook_secret: PREVIOUS })).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('refuses a missing or empty header before anything else', async () => {
    await expect(adapter.verify(request(undefined), { webhook_secret: SECRET })).resolves.toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    await expect(adapter.verify(request('  '), {})).resolves.toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('refuses without a stored webhook_secret', async () => {
    for (const credentials of [{}, { webhook_secret: '' }, { webhook_secret: 42 }]) {
      await expect(adapter.verify(request(hmacHex(SECRET, body)), credentials)).resolves.toMatchObject({
        ok: false,
        reason: 'missing_credentials',
      });
    }
  });

  it.each([
    ['a truncated digest', () => hmacHex(SECRET, body).slice(0, 63)],
    ['another prefix', () => `sha1=${hmacHex(SECRET, body)}`],
    ['base64', () => createHmac('sha256', SECRET).update(body).digest('base64')],
    ['two signatures', () => `${hmacHex(SECRET, body)},${hmacHex(SECRET, body)}`],
  ])('refuses %s', async (_case, header) => {
    await expect(adapter.verify(request(header()), { webhook_secret: SECRET })).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});

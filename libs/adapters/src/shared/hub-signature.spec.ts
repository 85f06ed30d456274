import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessengerAdapter } from '../messenger/messenger.adapter';
import { createWhatsAppAdapter } from '../whatsapp/whatsapp.adapter';
import type { AdapterDependencies, ChannelCredentials, ProviderAdapter, WebhookRequest } from './adapter.types';

const appSecret = 'test_app_secret';

/** Meta's scheme computed with node:crypto (docs/PROVIDERS.md, WhatsApp Cloud API), independent of the adapters. */
function metaSignature(body: Buffer | string, secret = appSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface MetaCase {
  createAdapter: (deps: AdapterDependencies) => ProviderAdapter;
  route: string;
  credentials: ChannelCredentials;
  fixture: string;
  /** Non-ASCII text as Meta escapes it in the bytes it signs. */
  escapedSample: string;
}

// WhatsApp Cloud API and Messenger sign the same way: X-Hub-Signature-256 over the raw body.
describe.each<[string, MetaCase]>([
  [
    'WhatsApp',
    {
      createAdapter: createWhatsAppAdapter,
      route: 'whatsapp',
      credentials: { app_secret: appSecret, verify_token: 'vt' },
      fixture: join(__dirname, '..', 'whatsapp', 'fixtures', 'text-message.json'),
      escapedSample: '{"text":{"body":"\\u00e4\\u00f6\\u00e5"}}',
    },
  ],
  [
    'Messenger',
    {
      createAdapter: createMessengerAdapter,
      route: 'messenger',
      credentials: { app_secret: appSecret, verify_token: 'vt', page_access_token: 'EAAB' },
      fixture: join(__dirname, '..', 'messenger', 'fixtures', 'delivery-read-postback-echo.json'),
      escapedSample: '{"object":"page","entry":[{"messaging":[{"message":{"text":"\\u00e4\\u00f6\\u00e5"}}]}]}',
    },
  ],
])('%s X-Hub-Signature-256', (_provider, { createAdapter, route, credentials, fixture, escapedSample }) => {
  const adapter = createAdapter({ now: () => new Date(), httpGetText: async () => '' });
  const prettyBody = readFileSync(fixture);

  function request(rawBody: Buffer | string, signature?: string | string[]): WebhookRequest {
    return {
      method: 'POST',
      url: `https://hooks.example.com/webhooks/${route}/c`,
      headers:
        signature === undefined
          ? { 'content-type': 'application/json' }
          : { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
    };
  }

  it('accepts a valid signature over the body exactly as received', async () => {
    await expect(adapter.verify(request(prettyBody, metaSignature(prettyBody)), credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts upper-case hex and the first of repeated headers', async () => {
    const signature = metaSignature(prettyBody);
    await expect(adapter.verify(request(prettyBody, `sha256=${signature.slice(7).toUpperCase()}`), credentials)).resolves.toEqual({
      ok: true,
    });
    await expect(adapter.verify(request(prettyBody, [signature, 'sha256=00']), credentials)).resolves.toEqual({ ok: true });
  });

  it('rejects a body changed by one byte', async () => {
    const signature = metaSignature(prettyBody);
    for (const position of [0, 100, prettyBody.length - 1]) {
      const tampered = Buffer.from(prettyBody);
      tampered[position] ^= 0x01;
      await expect(adapter.verify(request(tampered, signature), credentials)).resolves.toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('rejects re-serialised JSON: Meta signs its own escaped bytes', async () => {
    const escaped = escapedSample;
    const signature = metaSignature(escaped);
    await expect(adapter.verify(request(escaped, signature), credentials)).resolves.toEqual({ ok: true });
    const reserialised = JSON.stringify(JSON.parse(escaped));
    await expect(adapter.verify(request(reserialised, signature), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a signature made with another secret', async () => {
    await expect(adapter.verify(request(prettyBody, metaSignature(prettyBody, 'other_secret')), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each([
    ['no prefix', (signature: string) => signature.slice(7)],
    ['sha1 prefix', (signature: string) => `sha1=${signature.slice(7)}`],
    ['a short digest', (signature: string) => signature.slice(0, -2)],
    ['non-hex digits', (signature: string) => `${signature.slice(0, -1)}g`],
  ])('rejects a malformed header (%s)', async (_case, mangle) => {
    await expect(adapter.verify(request(prettyBody, mangle(metaSignature(prettyBody))), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a missing or empty header as missing_signature, before reading anything else', async () => {
    await expect(adapter.verify(request(prettyBody), credentials)).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
    await expect(adapter.verify(request(prettyBody, ''), credentials)).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
    await expect(adapter.verify(request('not json'), {})).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  it.each([
    ['no app_secret', { verify_token: 'vt' }],
    ['an empty app_secret', { app_secret: '' }],
    ['a numeric app_secret', { app_secret: 1234 }],
    ['null credentials', null],
    ['undefined credentials', undefined],
  ])('%s is missing_credentials', async (_case, given) => {
    await expect(
      adapter.verify(request(prettyBody, metaSignature(prettyBody)), given as unknown as ChannelCredentials),
    ).resolves.toMatchObject({ ok: false, reason: 'missing_credentials' });
  });

  it('answers a value for a request that is not a request', async () => {
    const broken = { headers: { 'x-hub-signature-256': metaSignature('x') }, rawBody: 'x' } as unknown as WebhookRequest;
    await expect(adapter.verify(broken, credentials)).resolves.toMatchObject({ ok: expect.any(Boolean) });
    await expect(adapter.verify(undefined as unknown as WebhookRequest, credentials)).resolves.toMatchObject({ ok: false });
  });
});

import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import type { ChannelCredentials, WebhookRequest } from '../shared/adapter.types';
import { createSmsAdapter } from './sms.adapter';
import inboundSms from './fixtures/inbound-sms.json';
import statusUndelivered from './fixtures/status-undelivered.json';

const adapter = createSmsAdapter({ now: () => new Date(), httpGetText: async () => '' });
const authToken = '12345';
const credentials: ChannelCredentials = { account_sid: 'AC00000000000000000000000000000000', auth_token: authToken };
const webhookUrl = 'https://hooks.example.com/webhooks/sms/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b';

function formRequest(url: string, rawBody: string, signature?: string): WebhookRequest {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== undefined) headers['x-twilio-signature'] = signature;
  return { method: 'POST', url, headers, rawBody: Buffer.from(rawBody, 'utf8') };
}

function jsonRequest(url: string, rawBody: string, signature: string): WebhookRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
    rawBody: Buffer.from(rawBody, 'utf8'),
  };
}

describe('Twilio signature: documented vectors (docs/PROVIDERS.md, Twilio SMS)', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };

  it('the form vector, computed by hand with node:crypto and by the official package', async () => {
    const byHand = createHmac('sha1', authToken)
      .update(
        url +
          Object.keys(params)
            .sort()
            .map((name) => name + params[name as keyof typeof params])
            .join(''),
      )
      .digest('base64');
    expect(byHand).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(twilio.getExpectedTwilioSignature(authToken, url, params)).toBe(byHand);
    await expect(adapter.verify(formRequest(url, new URLSearchParams(params).toString(), byHand), credentials)).resolves.toEqual({
      ok: true,
    });
  });

  it('the JSON vector: bodySHA256 in the URL, the URL alone signed', async () => {
    const body = '{"property": "value", "boolean": true}';
    expect(twilio.getExpectedBodyHash(body)).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    const jsonUrl = `https://mycompany.com/myapp.php?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signature = 'y77kIzt2vzLz71DgmJGsen2scGs=';
    expect(twilio.validateRequestWithBody(authToken, signature, jsonUrl, body)).toBe(true);
    await expect(adapter.verify(jsonRequest(jsonUrl, body, signature), credentials)).resolves.toEqual({ ok: true });
  });
});

describe('Twilio signature: form bodies', () => {
  const body = new URLSearchParams(inboundSms).toString();
  const signature = twilio.getExpectedTwilioSignature(authToken, webhookUrl, inboundSms);

  it('accepts the documented inbound SMS signed by the official package', async () => {
    expect(twilio.validateRequest(authToken, signature, webhookUrl, Object.fromEntries(new URLSearchParams(body)))).toBe(true);
    await expect(adapter.verify(formRequest(webhookUrl, body, signature), credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts a status callback', async () => {
    const statusSignature = twilio.getExpectedTwilioSignature(authToken, webhookUrl, statusUndelivered);
    await expect(
      adapter.verify(formRequest(webhookUrl, new URLSearchParams(statusUndelivered).toString(), statusSignature), credentials),
    ).resolves.toEqual({ ok: true });
  });

  it('the order of parameters in the body does not matter', async () => {
    const reversed = new URLSearchParams(Object.entries(inboundSms).reverse()).toString();
    await expect(adapter.verify(formRequest(webhookUrl, reversed, signature), credentials)).resolves.toEqual({ ok: true });
  });

  it('rejects a body changed by one byte', async () => {
    for (const position of [0, Math.floor(body.length / 2), body.length - 1]) {
      const tampered = Buffer.from(body);
      tampered[position] ^= 0x01;
      const request = { ...formRequest(webhookUrl, '', signature), rawBody: tampered };
      await expect(adapter.verify(request, credentials)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects an added parameter', async () => {
    await expect(adapter.verify(formRequest(webhookUrl, `${body}&Extra=1`, signature), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects another URL (the signature covers it)', async () => {
    await expect(adapter.verify(formRequest(`${webhookUrl}x`, body, signature), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a signature made with another auth token', async () => {
    const other = twilio.getExpectedTwilioSignature('another-token', webhookUrl, inboundSms);
    await expect(adapter.verify(formRequest(webhookUrl, body, other), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('a repeated parameter counts each distinct value, sorted, as the official package does', async () => {
    const repeated = 'MessageSid=SM1&MediaUrl=b&MediaUrl=a&MediaUrl=b&Body=hi';
    const expected = twilio.getExpectedTwilioSignature(authToken, webhookUrl, { MessageSid: 'SM1', MediaUrl: ['b', 'a', 'b'], Body: 'hi' });
    await expect(adapter.verify(formRequest(webhookUrl, repeated, expected), credentials)).resolves.toEqual({ ok: true });
  });

  it('decodes the form encoding before signing (+, %XX, non-ASCII)', async () => {
    const params = { MessageSid: 'SM1', Body: 'Ahoy & hello+bye 100% ünïcødé 👋', From: '+14017122661' };
    const encoded = new URLSearchParams(params).toString();
    expect(encoded).toContain('%2B14017122661');
    const expected = twilio.getExpectedTwilioSignature(authToken, webhookUrl, params);
    await expect(adapter.verify(formRequest(webhookUrl, encoded, expected), credentials)).resolves.toEqual({ ok: true });
  });
});

describe('Twilio signature: the URL with and without its port', () => {
  const params = { MessageSid: 'SM1', Body: 'x' };
  const body = new URLSearchParams(params).toString();

  it.each([
    ['https, signed with :443, received without', 'https://hooks.example.com:443/sms?x=1', 'https://hooks.example.com/sms?x=1'],
    ['https, signed without, received with :443', 'https://hooks.example.com/sms?x=1', 'https://hooks.example.com:443/sms?x=1'],
    ['http, signed with :80, received without', 'http://hooks.example.com:80/sms', 'http://hooks.example.com/sms'],
    ['http, signed without, received with :80', 'http://hooks.example.com/sms', 'http://hooks.example.com:80/sms'],
    ['user info before the host', 'https://user:pw@hooks.example.com:443/sms', 'https://user:pw@hooks.example.com/sms'],
    ['an IPv6 host', 'https://[2001:db8::1]:443/sms', 'https://[2001:db8::1]/sms'],
  ])('accepts %s, as the official package does', async (_case, signedUrl, receivedUrl) => {
    const signature = twilio.getExpectedTwilioSignature(authToken, signedUrl, params);
    expect(twilio.validateRequest(authToken, signature, receivedUrl, params)).toBe(true);
    await expect(adapter.verify(formRequest(receivedUrl, body, signature), credentials)).resolves.toEqual({ ok: true });
  });

  it.each([
    ['a non-standard port signed, received without', 'https://hooks.example.com:8443/sms', 'https://hooks.example.com/sms', false],
    ['a non-standard port signed and received', 'https://hooks.example.com:8443/sms', 'https://hooks.example.com:8443/sms', true],
    // Only the scheme's own default port is added back.
    ['https signed with :80, received without a port', 'https://hooks.example.com:80/sms', 'https://hooks.example.com/sms', false],
    ['http signed with :443, received without a port', 'http://hooks.example.com:443/sms', 'http://hooks.example.com/sms', false],
    ['http signed with :443, received with it', 'http://hooks.example.com:443/sms', 'http://hooks.example.com:443/sms', true],
    ['a different host', 'https://other.example.com/sms', 'https://hooks.example.com/sms', false],
  ])('agrees with the official package: %s', async (_case, signedUrl, receivedUrl, accepted) => {
    const signature = twilio.getExpectedTwilioSignature(authToken, signedUrl, params);
    expect(twilio.validateRequest(authToken, signature, receivedUrl, params)).toBe(accepted);
    await expect(adapter.verify(formRequest(receivedUrl, body, signature), credentials)).resolves.toMatchObject({ ok: accepted });
  });
});

describe('Twilio signature: JSON bodies (bodySHA256)', () => {
  const body = JSON.stringify({ MessageSid: 'SM1', MessageStatus: 'delivered' });
  const url = `${webhookUrl}?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
  const signature = twilio.getExpectedTwilioSignature(authToken, url, {});

  it('accepts a body whose hash the signed URL carries', async () => {
    expect(twilio.validateRequestWithBody(authToken, signature, url, body)).toBe(true);
    await expect(adapter.verify(jsonRequest(url, body, signature), credentials)).resolves.toEqual({ ok: true });
  });

  it('accepts it with the standard port added', async () => {
    const withPort = url.replace('hooks.example.com', 'hooks.example.com:443');
    await expect(adapter.verify(jsonRequest(withPort, body, signature), credentials)).resolves.toEqual({ ok: true });
  });

  it('rejects a body changed by one byte although the URL signature holds', async () => {
    const tampered = body.replace('delivered', 'delivereD');
    expect(twilio.validateRequestWithBody(authToken, signature, url, tampered)).toBe(false);
    await expect(adapter.verify(jsonRequest(url, tampered, signature), credentials)).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
      detail: 'body does not match bodySHA256',
    });
  });

  it('rejects a changed bodySHA256 (the URL is signed)', async () => {
    const otherBody = '{"MessageSid":"SM2"}';
    const forgedUrl = `${webhookUrl}?bodySHA256=${twilio.getExpectedBodyHash(otherBody)}`;
    await expect(adapter.verify(jsonRequest(forgedUrl, otherBody, signature), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a signature made with another auth token', async () => {
    const other = twilio.getExpectedTwilioSignature('another-token', url, {});
    await expect(adapter.verify(jsonRequest(url, body, other), credentials)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});

describe('Twilio signature: missing pieces', () => {
  const body = new URLSearchParams(inboundSms).toString();
  const signature = twilio.getExpectedTwilioSignature(authToken, webhookUrl, inboundSms);

  it('a missing or empty header is missing_signature, before reading anything else', async () => {
    await expect(adapter.verify(formRequest(webhookUrl, body), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    await expect(adapter.verify(formRequest(webhookUrl, body, ''), credentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    await expect(adapter.verify(formRequest('not a url', '%%%'), {})).resolves.toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  it.each([
    ['no auth_token', { account_sid: 'AC1' }],
    ['an empty auth_token', { auth_token: '' }],
    ['a numeric auth_token', { auth_token: 12345 }],
    ['null credentials', null],
    ['a string', authToken],
  ])('%s is missing_credentials', async (_case, given) => {
    await expect(adapter.verify(formRequest(webhookUrl, body, signature), given as unknown as ChannelCredentials)).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('answers a value for a request that is not a request', async () => {
    const broken = { url: 42, headers: { 'x-twilio-signature': signature }, rawBody: null } as unknown as WebhookRequest;
    await expect(adapter.verify(broken, credentials)).resolves.toMatchObject({ ok: false });
  });
});

import fc from 'fast-check';
import twilio from 'twilio';
import type { WebhookRequest } from '../shared/adapter.types';
import { createSmsAdapter } from './sms.adapter';
import { parseTwilioWebhook } from './sms.parser';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const adapter = createSmsAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('sms');
const receivedAt = SPEC_RECEIVED_AT;
const urls = [
  'https://hooks.example.com/webhooks/sms/0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b',
  'https://hooks.example.com:443/webhooks/sms/c?tenant=a&x=1',
  "http://localhost:3000/webhooks/sms/c?name=O'Brien",
];

function request(rawBody: Uint8Array | string, headers: WebhookRequest['headers'] = {}, url = urls[0]): WebhookRequest {
  return { method: 'POST', url, headers, rawBody: Buffer.from(rawBody) };
}

const unicodeText = fc.string({ unit: 'grapheme', maxLength: 40 });
const paramName = fc.oneof(fc.constantFrom('MessageSid', 'Body', 'From', 'To', 'NumMedia', 'MediaUrl0', 'a', 'B', 'z'), unicodeText);
/** Form parameters, names repeated at times, as Twilio could post them. */
const formParams = fc.array(fc.tuple(paramName, unicodeText), { maxLength: 12 });

/** The pairs as the official package takes them: a repeated name becomes an array. */
function asTwilioParams(pairs: Array<[string, string]>): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    params[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return params;
}

const authToken = fc.stringMatching(/^[0-9a-f]{32}$/);

describe('Twilio adapter properties', () => {
  it('agrees with the official package on form bodies signed with the right token', async () => {
    await fc.assert(
      fc.asyncProperty(authToken, formParams, fc.constantFrom(...urls), async (token, pairs, url) => {
        fc.pre(pairs.every(([name]) => name !== '__proto__'));
        const params = asTwilioParams(pairs);
        const signature = twilio.getExpectedTwilioSignature(token, url, params);
        const body = new URLSearchParams(pairs).toString();
        const result = await adapter.verify(request(body, { 'x-twilio-signature': signature }, url), { auth_token: token });
        return result.ok && twilio.validateRequest(token, signature, url, params);
      }),
    );
  });

  it('a signature made with another auth token is never accepted', async () => {
    await fc.assert(
      fc.asyncProperty(authToken, authToken, formParams, fc.constantFrom(...urls), async (token, other, pairs, url) => {
        fc.pre(token !== other && pairs.every(([name]) => name !== '__proto__'));
        const signature = twilio.getExpectedTwilioSignature(other, url, asTwilioParams(pairs));
        const result = await adapter.verify(request(new URLSearchParams(pairs).toString(), { 'x-twilio-signature': signature }, url), {
          auth_token: token,
        });
        return result.ok === false && result.reason === 'bad_signature';
      }),
    );
  });

  it('JSON bodies: accepted with the right token and body, as the official package does; never with another token', async () => {
    await fc.assert(
      fc.asyncProperty(authToken, authToken, fc.string({ unit: 'grapheme' }), async (token, other, body) => {
        fc.pre(token !== other);
        const url = `${urls[0]}?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
        const signature = twilio.getExpectedTwilioSignature(token, url, {});
        const headers = { 'x-twilio-signature': signature, 'content-type': 'application/json' };
        const accepted = await adapter.verify(request(body, headers, url), { auth_token: token });
        const refused = await adapter.verify(request(body, headers, url), { auth_token: other });
        return accepted.ok && twilio.validateRequestWithBody(token, signature, url, body) && !refused.ok;
      }),
    );
  });

  it('parse of Twilio-shaped forms makes only valid events, the same ones each time', () => {
    const twilioForm = fc.record(
      {
        MessageSid: fc.oneof(
          { weight: 4, arbitrary: fc.stringMatching(/^(SM|MM)[0-9a-f]{32}$/) },
          unicodeText,
          fc.string({ minLength: 600, maxLength: 700 }),
        ),
        From: fc.oneof({ weight: 4, arbitrary: fc.constant('+14017122661') }, unicodeText),
        Body: unicodeText,
        MessageStatus: fc.oneof(
          fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'received', 'canceled'),
          unicodeText,
        ),
        ErrorCode: fc.oneof(fc.constant('30003'), fc.string({ maxLength: 300 })),
        NumMedia: fc.oneof(fc.constantFrom('0', '1', '2', '-1', '1e9', 'x'), unicodeText),
        MediaUrl0: fc.oneof(fc.webUrl(), unicodeText),
        MediaContentType0: unicodeText,
        ProfileName: fc.string({ maxLength: 600 }),
      },
      { requiredKeys: [] },
    );
    let withEvent = 0;
    fc.assert(
      fc.property(twilioForm, (params) => {
        const body = new URLSearchParams(params as Record<string, string>).toString();
        const first = parseTwilioWebhook(request(body, { 'content-type': 'application/x-www-form-urlencoded' }), channel, receivedAt);
        expect(adapter.parse(request(body, { 'content-type': 'application/x-www-form-urlencoded' }), channel, receivedAt)).toEqual(first);
        if (first.ok) withEvent += 1;
        return everyEventValid(first);
      }),
      { numRuns: 300 },
    );
    expect(withEvent).toBeGreaterThan(60);
  });
});

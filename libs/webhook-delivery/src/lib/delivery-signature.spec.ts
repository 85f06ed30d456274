import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { deliveryHeaders, WEBHOOK_USER_AGENT } from './delivery-signature';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Standard Webhooks' verifier wants the three webhook-* headers only. */
function verifierHeaders(headers: Record<string, string>): Record<string, string> {
  return {
    'webhook-id': headers['webhook-id'],
    'webhook-timestamp': headers['webhook-timestamp'],
    'webhook-signature': headers['webhook-signature'],
  };
}

/** What a GitHub-style receiver does: HMAC the raw body with its secret, compare in constant time. */
function hubSignatureMatches(header: string, secret: string, body: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

describe('deliveryHeaders', () => {
  const body = JSON.stringify({ type: 'message.received', data: { id: 'm-1', text: 'héllo' } });
  const event = { eventId: 'evt_01J0000000000000000000000', eventType: 'message.received', body };

  it('names the content, the sender, the event and its type', () => {
    const secret = newSecret();
    const headers = deliveryHeaders({ ...event, timestampSeconds: 1_700_000_000, secrets: [secret] });
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'webhook-id': event.eventId,
      'webhook-timestamp': '1700000000',
      'x-event-type': 'message.received',
    });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('is accepted by the Standard Webhooks verifier holding the current secret', () => {
    const secret = newSecret();
    const headers = deliveryHeaders({ ...event, timestampSeconds: now(), secrets: [secret] });
    expect(new Webhook(secret).verify(body, verifierHeaders(headers))).toEqual(JSON.parse(body));
  });

  it('after a rotation, signs with both secrets so either one alone verifies', () => {
    const [current, rotatedOut] = [newSecret(), newSecret()];
    const headers = deliveryHeaders({ ...event, timestampSeconds: now(), secrets: [current, rotatedOut] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature'].split(' ').every((entry) => entry.startsWith('v1,'))).toBe(true);
    expect(() => new Webhook(current).verify(body, verifierHeaders(headers))).not.toThrow();
    expect(() => new Webhook(rotatedOut).verify(body, verifierHeaders(headers))).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, verifierHeaders(headers))).toThrow();
  });

  it('is refused by the verifier when the body was tampered with', () => {
    const secret = newSecret();
    const headers = deliveryHeaders({ ...event, timestampSeconds: now(), secrets: [secret] });
    expect(() => new Webhook(secret).verify(body.replace('héllo', 'hello'), verifierHeaders(headers))).toThrow();
  });

  it('carries a GitHub-style X-Hub-Signature-256 keyed with the whole current secret', () => {
    const [current, rotatedOut] = [newSecret(), newSecret()];
    const headers = deliveryHeaders({ ...event, timestampSeconds: now(), secrets: [current, rotatedOut] });
    expect(hubSignatureMatches(headers['x-hub-signature-256'], current, body)).toBe(true);
    expect(headers['x-hub-signature']).toBe(headers['x-hub-signature-256']);
    expect(hubSignatureMatches(headers['x-hub-signature-256'], rotatedOut, body)).toBe(false);
    expect(hubSignatureMatches(headers['x-hub-signature-256'], current, `${body} `)).toBe(false);
  });

  it('matches a signature computed by hand over "<id>.<timestamp>.<body>"', () => {
    const key = Buffer.alloc(24, 7);
    const secret = `whsec_${key.toString('base64')}`;
    const headers = deliveryHeaders({ eventId: 'msg_1', eventType: 'x', timestampSeconds: 1_700_000_000, body: '{}', secrets: [secret] });
    expect(headers['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update('msg_1.1700000000.{}').digest('base64')}`);
  });

  it.each([
    ['no secret', []],
    ['a secret without the whsec_ prefix', ['c2VjcmV0']],
    ['a secret that is not base64', ['whsec_not base64!']],
  ])('refuses %s', (_name, secrets) => {
    expect(() => deliveryHeaders({ ...event, timestampSeconds: now(), secrets })).toThrow();
  });
});

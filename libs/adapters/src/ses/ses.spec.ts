import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { AdapterDependencies, ChannelContext, ProviderAdapter, WebhookRequest } from '../shared/adapter.types';
import { AdapterRegistry } from '../registry';
import { deterministicEventId } from '../shared/event-id';
import { HttpStatusError } from '../shared/http-status-error';
import { createSesAdapter } from './ses.adapter';
import { NOT_FOUND_MEMORY_MS, UNAVAILABLE_MEMORY_MS } from './ses.certificate-store';
import { SNS_DEV_CERTIFICATE, SNS_DEV_CERTIFICATE_URL } from './ses.development-certificate';
import { signSnsMessage } from './ses.test-signer';
import { createSelfSignedCertificate, type TestCertificate } from './testing/self-signed-certificate';

// sns-validator ships no types; this is the part of its API the cross-check uses.
type SnsMessageValidator = { validate(message: Record<string, string>, callback: (error: Error | null) => void): void };
const MessageValidator = createRequire(__filename)('sns-validator') as new () => SnsMessageValidator;

const channel: ChannelContext = {
  id: '4d2b8e6f-1a3c-4f5e-8b7d-9c0e1f2a3b4c',
  account_id: '0b9d2c55-8d0e-4a3e-b6d4-7c7a5e0f9a11',
  channel_type: 'email',
};
const receivedAt = new Date('2017-08-05T00:41:04.000Z');
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
/** The topics of the notification and the subscription-confirmation fixtures. */
const SES_CREDENTIALS = { provider: 'ses', topic_arn: [TOPIC, 'arn:aws:sns:us-west-2:123456789012:MyTopic'] };

type Envelope = Record<string, string>;

const fixture = (name: string): Envelope => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Envelope;

let awsCertificate: TestCertificate;
let strangerCertificate: TestCertificate;
/** What `npm start` makes for SNS_DEV_CERTIFICATE_FILE. */
let devCertificate: TestCertificate;

beforeAll(() => {
  awsCertificate = createSelfSignedCertificate({ commonName: 'sns.amazonaws.com' });
  strangerCertificate = createSelfSignedCertificate({ commonName: 'sns.amazonaws.com' });
  devCertificate = createSelfSignedCertificate({ commonName: 'sns.localhost' });
});

/** An SNS stand-in: serves the certificate and answers subscription confirmations. */
function fakeAws(options: { certificatePem?: () => string; confirm?: (url: string) => Promise<string> } = {}) {
  return jest.fn(async (url: string): Promise<string> => {
    if (url.endsWith('.pem')) return options.certificatePem ? options.certificatePem() : awsCertificate.certificatePem;
    if (url.includes('Action=ConfirmSubscription')) return options.confirm ? options.confirm(url) : '<ConfirmSubscriptionResponse/>';
    throw new Error(`unexpected GET ${url}`);
  });
}

function adapterWith(httpGetText: AdapterDependencies['httpGetText'], now = new Date(), snsDevCertificatePem?: string): ProviderAdapter {
  return createSesAdapter({
    now: () => now,
    httpGetText,
    developmentFiles: snsDevCertificatePem === undefined ? {} : { [SNS_DEV_CERTIFICATE.variable]: snsDevCertificatePem },
  });
}

/** Signed the way SNS does (ses.test-signer.ts, checked against sns-validator below), with the message's own SignatureVersion by default. */
function signed(envelope: Envelope, options: { version?: '1' | '2'; privateKey?: KeyObject } = {}): Envelope {
  const version = options.version ?? (envelope.SignatureVersion === '1' ? '1' : '2');
  return signSnsMessage(envelope, options.privateKey ?? awsCertificate.privateKey, { version });
}

function requestOf(body: Envelope | string): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/email/${channel.id}`,
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': typeof body === 'string' ? undefined : body.Type },
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

function notificationOf(sesEvent: Record<string, unknown>, overrides: Envelope = {}): Envelope {
  return {
    Type: 'Notification',
    MessageId: 'b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
    TopicArn: TOPIC,
    Message: JSON.stringify(sesEvent),
    Timestamp: '2017-08-05T00:41:03.150Z',
    SignatureVersion: '2',
    Signature: 'unsigned',
    SigningCertURL: CERT_URL,
    ...overrides,
  };
}

function sesEventOf(eventType: string, detail: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType,
    mail: {
      timestamp: '2017-08-05T00:40:02.012Z',
      messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      destination: ['recipient@example.com'],
    },
    ...detail,
  };
}

/** Runs sns-validator against a message, with https.get stubbed to serve our certificate. */
async function officialValidate(message: Envelope, certificatePem = awsCertificate.certificatePem): Promise<Error | null> {
  const spy = jest.spyOn(https, 'get').mockImplementation(((
    url: string,
    callback: (response: PassThrough & { statusCode: number }) => void,
  ) => {
    const response = Object.assign(new PassThrough(), { statusCode: url.endsWith('.pem') ? 200 : 404 });
    process.nextTick(() => {
      callback(response);
      response.end(certificatePem);
    });
    return new EventEmitter();
  }) as unknown as typeof https.get);
  try {
    return await new Promise<Error | null>((resolve) => new MessageValidator().validate({ ...message }, (error) => resolve(error)));
  } finally {
    spy.mockRestore();
  }
}

function statusesOf(body: Envelope | string): StatusUpdateEvent[] {
  const result = adapterWith(fakeAws()).parse(requestOf(body), channel, receivedAt);
  if (!result.ok) throw new Error(`parse failed: ${result.error.detail}`);
  expect(result.events.inbound).toEqual([]);
  for (const status of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, status)).toMatchObject({ ok: true });
  }
  return result.events.statuses;
}

describe('SES adapter: SNS signature', () => {
  it.each(['1', '2'] as const)('accepts a Notification signed with SignatureVersion %s, as does sns-validator', async (version) => {
    const message = signed(fixture('notification-bounce.json'), { version });
    await expect(officialValidate(message)).resolves.toBeNull();
    await expect(adapterWith(fakeAws()).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
  });

  it('signs Subject when present', async () => {
    const message = signed(notificationOf(sesEventOf('Send'), { Subject: 'Amazon SES Email Event Notification' }));
    await expect(officialValidate(message)).resolves.toBeNull();
    await expect(adapterWith(fakeAws()).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    const withoutSubject: Envelope = { ...message };
    delete withoutSubject.Subject;
    await expect(adapterWith(fakeAws()).verify(requestOf(withoutSubject), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('confirms a verified SubscriptionConfirmation by fetching its SubscribeURL', async () => {
    const message = signed(fixture('subscription-confirmation.json'), { version: '1' });
    await expect(officialValidate(message)).resolves.toBeNull();
    const aws = fakeAws();
    await expect(
      adapterWith(aws).verify(requestOf(message), { provider: 'ses', topic_arn: 'arn:aws:sns:us-west-2:123456789012:MyTopic' }),
    ).resolves.toEqual({
      ok: true,
    });
    expect(aws).toHaveBeenCalledWith(message.SubscribeURL);
  });

  it('verifies an UnsubscribeConfirmation with Token signed, as AWS documents (sns-validator 0.3.5 does not), and does not resubscribe', async () => {
    const message = signed({ ...fixture('subscription-confirmation.json'), Type: 'UnsubscribeConfirmation' });
    await expect(officialValidate(message)).resolves.toEqual(new Error('The message signature is invalid.'));
    const aws = fakeAws();
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws.mock.calls.map(([url]) => url)).toEqual([message.SigningCertURL]);
  });

  it('reports a failed confirmation request as retryable instead of accepting the call', async () => {
    const message = signed(fixture('subscription-confirmation.json'));
    const aws = fakeAws({ confirm: () => Promise.reject(new Error('connect ETIMEDOUT')) });
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'upstream_unavailable',
    });
  });

  it('refuses to confirm through a SubscribeURL off SNS, even when signed', async () => {
    const message = signed({
      ...fixture('subscription-confirmation.json'),
      SubscribeURL: 'https://evil.example.com/?Action=ConfirmSubscription',
    });
    const aws = fakeAws();
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'untrusted_certificate',
    });
    expect(aws).toHaveBeenCalledTimes(1); // the certificate only
  });

  it('rejects a changed Message, MessageId, TopicArn or Token', async () => {
    const notification = signed(fixture('notification-bounce.json'));
    const confirmation = signed(fixture('subscription-confirmation.json'));
    const tampered = [
      { ...notification, Message: notification.Message.replace('Permanent', 'Transient') },
      { ...notification, MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf325' },
      { ...notification, TopicArn: 'arn:aws:sns:us-east-1:123456789012:other' },
      { ...confirmation, Token: `${confirmation.Token}0` },
    ];
    // The changed topic is allowed too, so that the signature is what refuses it.
    const credentials = { ...SES_CREDENTIALS, topic_arn: [...SES_CREDENTIALS.topic_arn, 'arn:aws:sns:us-east-1:123456789012:other'] };
    for (const message of tampered) {
      await expect(adapterWith(fakeAws()).verify(requestOf(message), credentials)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects a signature made with a key other than the certificate’s', async () => {
    const message = signed(fixture('notification-bounce.json'), { privateKey: strangerCertificate.privateKey });
    await expect(officialValidate(message)).resolves.toEqual(new Error('The message signature is invalid.'));
    await expect(adapterWith(fakeAws()).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each(['Signature', 'SigningCertURL', 'SignatureVersion'])('answers missing_signature without %s', async (field) => {
    const message = signed(fixture('notification-bounce.json'));
    delete message[field];
    await expect(adapterWith(fakeAws()).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it.each(['not json', '[]', '{"Message":"x"}'])('answers missing_signature for the body %p', async (body) => {
    await expect(adapterWith(fakeAws()).verify(requestOf(body), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('rejects an unknown message type and an unsupported SignatureVersion', async () => {
    const unknownType = signed({ ...fixture('notification-bounce.json'), Type: 'Notice' });
    await expect(adapterWith(fakeAws()).verify(requestOf(unknownType), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const version3 = { ...signed(fixture('notification-bounce.json')), SignatureVersion: '3' };
    await expect(adapterWith(fakeAws()).verify(requestOf(version3), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    await expect(officialValidate(version3)).resolves.toEqual(new Error('The signature version 3 is not supported.'));
    const missingToken = signed(fixture('subscription-confirmation.json'));
    delete missingToken.Token;
    await expect(adapterWith(fakeAws()).verify(requestOf(missingToken), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each([
    ['plain http', 'http://sns.us-east-1.amazonaws.com/cert.pem'],
    ['an S3 bucket', 'https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/cert.pem'],
    ['a look-alike suffix', 'https://sns.us-east-1.amazonaws.com.evil.com/cert.pem'],
    ['a look-alike prefix', 'https://evilsns.us-east-1.amazonaws.com/cert.pem'],
    ['a subdomain of the SNS host', 'https://x.sns.us-east-1.amazonaws.com/cert.pem'],
    ['userinfo before another host', 'https://sns.us-east-1.amazonaws.com@evil.com/cert.pem'],
    ['userinfo on the SNS host', 'https://user:pass@sns.us-east-1.amazonaws.com/cert.pem'],
    ['a fragment hiding the host', 'https://evil.com#@sns.us-east-1.amazonaws.com/cert.pem'],
    ['a trailing dot', 'https://sns.us-east-1.amazonaws.com./cert.pem'],
    ['another port', 'https://sns.us-east-1.amazonaws.com:8443/cert.pem'],
    ['a path that is no .pem', 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe'],
    ['a query after .pem', 'https://sns.us-east-1.amazonaws.com/cert.pem?x=1'],
    ['an IP address', 'https://52.94.0.1/cert.pem'],
    ['an S3 bucket named like SNS', 'https://sns.s3.amazonaws.com/cert.pem'],
    ['an S3 external endpoint', 'https://sns.s3-external-1.amazonaws.com/cert.pem'],
    ['an API Gateway endpoint', 'https://sns.execute-api.us-east-1.amazonaws.com/cert.pem'],
    ['a region-less name', 'https://sns.amazonaws.com/cert.pem'],
    ['no URL at all', 'sns.us-east-1.amazonaws.com/cert.pem'],
  ])('answers untrusted_certificate for %s, without fetching anything', async (_label, url) => {
    const aws = fakeAws();
    const message = signed({ ...fixture('notification-bounce.json'), SigningCertURL: url });
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'untrusted_certificate',
    });
    expect(aws).not.toHaveBeenCalled();
  });

  it.each(['us-east-1', 'eu-central-2', 'ap-southeast-4', 'us-gov-west-1', 'il-central-1'])(
    'trusts the certificate host of region %s',
    async (region) => {
      const aws = fakeAws();
      const message = signed({
        ...fixture('notification-bounce.json'),
        SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-1.pem`,
      });
      await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    },
  );

  it('accepts the China partition host and upper-case host names (fetching the normalised URL)', async () => {
    const aws = fakeAws();
    const message = signed({
      ...fixture('notification-bounce.json'),
      SigningCertURL: 'https://SNS.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    });
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws).toHaveBeenCalledWith('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem');
  });

  it('enforces the topic allow-list (one ARN or a list) before fetching anything', async () => {
    const message = signed(fixture('notification-bounce.json'));
    for (const allowed of [TOPIC, ['arn:aws:sns:us-east-1:123456789012:other', TOPIC]]) {
      await expect(adapterWith(fakeAws()).verify(requestOf(message), { provider: 'ses', topic_arn: allowed })).resolves.toEqual({
        ok: true,
      });
    }
    const aws = fakeAws();
    await expect(
      adapterWith(aws).verify(requestOf(message), { provider: 'ses', topic_arn: ['arn:aws:sns:us-east-1:123456789012:other'] }),
    ).resolves.toEqual({
      ok: false,
      reason: 'topic_not_allowed',
    });
    expect(aws).not.toHaveBeenCalled();
  });

  it('does not confirm a subscription to a topic outside the allow-list', async () => {
    const aws = fakeAws();
    const message = signed(fixture('subscription-confirmation.json'));
    await expect(adapterWith(aws).verify(requestOf(message), { provider: 'ses', topic_arn: TOPIC })).resolves.toEqual({
      ok: false,
      reason: 'topic_not_allowed',
    });
    expect(aws).not.toHaveBeenCalled();
  });

  it.each([
    ['an empty string', ''],
    ['an empty list', []],
    ['a number', 42],
    ['a list with a non-string', [TOPIC, 7]],
    ['an object', { arn: TOPIC }],
  ])('answers missing_credentials for a topic_arn that is %s', async (_label, topicArn) => {
    const message = signed(fixture('notification-bounce.json'));
    await expect(adapterWith(fakeAws()).verify(requestOf(message), { provider: 'ses', topic_arn: topicArn })).resolves.toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('fetches a certificate once, even for calls that arrive together before it is fetched', async () => {
    let release: (pem: string) => void = () => undefined;
    const aws = jest.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const adapter = adapterWith(aws);
    const message = signed(fixture('notification-bounce.json'));
    const together = Array.from({ length: 5 }, () => adapter.verify(requestOf(message), SES_CREDENTIALS));
    await new Promise((resolve) => setImmediate(resolve));
    release(awsCertificate.certificatePem);
    await expect(Promise.all(together)).resolves.toEqual(Array(5).fill({ ok: true }));
    await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws).toHaveBeenCalledTimes(1);
  });

  it('remembers an unreachable certificate host for a few seconds, then tries again', async () => {
    let attempts = 0;
    const aws = jest.fn(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('socket hang up');
      return awsCertificate.certificatePem;
    });
    let nowMs = Date.now();
    const adapter = createSesAdapter({ now: () => new Date(nowMs), httpGetText: aws });
    const message = signed(fixture('notification-bounce.json'));
    await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({ ok: false, reason: 'upstream_unavailable' });
    await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({ ok: false, reason: 'upstream_unavailable' });
    expect(aws).toHaveBeenCalledTimes(1);
    nowMs += UNAVAILABLE_MEMORY_MS;
    await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws).toHaveBeenCalledTimes(2);
  });

  it('answers untrusted_certificate (401) for a certificate the host says does not exist, and does not ask again for a while', async () => {
    const aws = jest.fn(async (): Promise<string> => {
      throw new HttpStatusError(404);
    });
    let nowMs = Date.now();
    const adapter = createSesAdapter({ now: () => new Date(nowMs), httpGetText: aws });
    const message = signed(fixture('notification-bounce.json'));
    for (let call = 0; call < 5; call++) {
      await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
        ok: false,
        reason: 'untrusted_certificate',
        detail: 'no such certificate',
      });
    }
    expect(aws).toHaveBeenCalledTimes(1);
    nowMs += NOT_FOUND_MEMORY_MS;
    await adapter.verify(requestOf(message), SES_CREDENTIALS);
    expect(aws).toHaveBeenCalledTimes(2);
    // A 5xx, a 403 or a 429 (throttling) says nothing about the certificate: retryable, and remembered only briefly.
    for (const status of [503, 403, 429]) {
      const flaky = createSesAdapter({ now: () => new Date(), httpGetText: async () => Promise.reject(new HttpStatusError(status)) });
      await expect(flaky.verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({ ok: false, reason: 'upstream_unavailable' });
    }
  });

  it('keeps the real certificate while a caller sends many certificate URLs that do not exist', async () => {
    const aws = jest.fn(async (url: string): Promise<string> => {
      if (url === CERT_URL) return awsCertificate.certificatePem;
      throw new HttpStatusError(404);
    });
    const adapter = createSesAdapter({ now: () => new Date(), httpGetText: aws });
    const real = signed(fixture('notification-bounce.json'));
    await expect(adapter.verify(requestOf(real), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    for (let n = 0; n < 200; n++) {
      const bogus = signed({
        ...fixture('notification-bounce.json'),
        SigningCertURL: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${n}.pem`,
      });
      await adapter.verify(requestOf(bogus), SES_CREDENTIALS);
    }
    await expect(adapter.verify(requestOf(real), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws.mock.calls.filter(([url]) => url === CERT_URL)).toHaveLength(1);
  });

  it('refuses every notification and confirmation when the channel lists no topic, without fetching anything', async () => {
    const aws = fakeAws();
    for (const message of [signed(fixture('notification-bounce.json')), signed(fixture('subscription-confirmation.json'))]) {
      await expect(adapterWith(aws).verify(requestOf(message), { provider: 'ses' })).resolves.toMatchObject({
        ok: false,
        reason: 'missing_credentials',
      });
    }
    // A confirmation for a topic that is not listed is never visited.
    const confirmation = signed(fixture('subscription-confirmation.json'));
    await expect(adapterWith(aws).verify(requestOf(confirmation), { provider: 'ses', topic_arn: TOPIC })).resolves.toEqual({
      ok: false,
      reason: 'topic_not_allowed',
    });
    expect(aws).not.toHaveBeenCalled();
  });

  it('answers untrusted_certificate for a body that is no certificate, and for an expired certificate', async () => {
    const message = signed(fixture('notification-bounce.json'));
    const garbage = adapterWith(fakeAws({ certificatePem: () => '<Error><Code>AccessDenied</Code></Error>' }));
    await expect(garbage.verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({
      ok: false,
      reason: 'untrusted_certificate',
    });
    const later = adapterWith(fakeAws(), new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000));
    await expect(later.verify(requestOf(message), SES_CREDENTIALS)).resolves.toMatchObject({ ok: false, reason: 'untrusted_certificate' });
  });

  it('never accepts a message signed with another key (property)', async () => {
    const adapter = adapterWith(fakeAws());
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.constantFrom<'1' | '2'>('1', '2'), async (text, version) => {
        const message = signed(notificationOf(sesEventOf('Delivery', { note: text })), {
          version,
          privateKey: strangerCertificate.privateKey,
        });
        await expect(adapter.verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: false, reason: 'bad_signature' });
      }),
      { numRuns: 50 },
    );
  });

  it('never throws on arbitrary bodies and credentials (property)', async () => {
    const adapter = adapterWith(fakeAws());
    const envelope = fc.record(
      {
        Type: fc.oneof(fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'), fc.string()),
        Message: fc.string(),
        MessageId: fc.string(),
        TopicArn: fc.oneof(fc.constant(TOPIC), fc.string()),
        Timestamp: fc.string(),
        SignatureVersion: fc.oneof(fc.constantFrom('1', '2'), fc.jsonValue()),
        Signature: fc.oneof(fc.base64String(), fc.jsonValue()),
        SigningCertURL: fc.oneof(fc.constant(CERT_URL), fc.webUrl(), fc.string()),
        SubscribeURL: fc.oneof(fc.webUrl(), fc.string()),
        Token: fc.string(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
          envelope.map((value) => Buffer.from(JSON.stringify(value))),
        ),
        fc.oneof(fc.anything(), fc.record({ topic_arn: fc.anything() })),
        async (rawBody, anyCredentials) => {
          const result = await adapter.verify(
            { method: 'POST', url: '/', headers: {}, rawBody },
            anyCredentials as Record<string, unknown>,
          );
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SES adapter: the development certificate (SNS_DEV_CERTIFICATE_FILE)', () => {
  /** A message as `npm run simulate -- ses` sends it: pointing at the development URL, signed with its key. */
  const locallySigned = (envelope: Envelope, privateKey = devCertificate.privateKey) =>
    signed({ ...envelope, SigningCertURL: SNS_DEV_CERTIFICATE_URL }, { privateKey });
  const withDevCertificate = (aws = fakeAws()) => adapterWith(aws, new Date(), devCertificate.certificatePem);

  it('verifies a locally signed notification only while the development certificate is configured, fetching nothing', async () => {
    const message = locallySigned(fixture('notification-bounce.json'));
    const aws = fakeAws();
    await expect(withDevCertificate(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    await expect(adapterWith(aws).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'untrusted_certificate',
      detail: 'SigningCertURL is not an SNS certificate URL',
    });
    expect(aws).not.toHaveBeenCalled();
  });

  it('refuses a tampered locally signed notification, and one signed with another key', async () => {
    const message = locallySigned(fixture('notification-bounce.json'));
    const tampered = { ...message, Message: message.Message.replace('Permanent', 'Transient') };
    const strangers = locallySigned(fixture('notification-bounce.json'), strangerCertificate.privateKey);
    for (const forged of [tampered, strangers]) {
      await expect(withDevCertificate().verify(requestOf(forged), SES_CREDENTIALS)).resolves.toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('keeps AWS-signed notifications working beside it, and never lets one certificate stand in for the other', async () => {
    const aws = signed(fixture('notification-bounce.json'));
    await expect(withDevCertificate().verify(requestOf(aws), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    // The development key with AWS's URL, and AWS's key with the development URL.
    const devKeyAwsUrl = signed(fixture('notification-bounce.json'), { privateKey: devCertificate.privateKey });
    const awsKeyDevUrl = locallySigned(fixture('notification-bounce.json'), awsCertificate.privateKey);
    for (const message of [devKeyAwsUrl, awsKeyDevUrl]) {
      await expect(withDevCertificate().verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('still enforces the topic allow-list', async () => {
    const message = locallySigned(fixture('notification-bounce.json'));
    await expect(
      withDevCertificate().verify(requestOf(message), { provider: 'ses', topic_arn: 'arn:aws:sns:us-east-1:123456789012:other' }),
    ).resolves.toEqual({ ok: false, reason: 'topic_not_allowed' });
  });

  it('confirms a locally signed subscription on this machine only, and an AWS-signed one never there', async () => {
    const loopback = 'http://127.0.0.1:40123/sns?Action=ConfirmSubscription&Token=2336412f';
    const local = locallySigned({ ...fixture('subscription-confirmation.json'), SubscribeURL: loopback });
    const aws = fakeAws({ confirm: async () => '<ConfirmSubscriptionResponse/>' });
    await expect(withDevCertificate(aws).verify(requestOf(local), SES_CREDENTIALS)).resolves.toEqual({ ok: true });
    expect(aws.mock.calls.map(([url]) => url)).toEqual([loopback]);

    const refused = { ok: false, reason: 'untrusted_certificate', detail: 'SubscribeURL is not an SNS confirmation URL' };
    const localToSns = locallySigned(fixture('subscription-confirmation.json'));
    const localElsewhere = locallySigned({
      ...fixture('subscription-confirmation.json'),
      SubscribeURL: 'http://10.0.0.8/?Action=ConfirmSubscription',
    });
    const awsToLoopback = signed({ ...fixture('subscription-confirmation.json'), SubscribeURL: loopback });
    const quiet = fakeAws();
    for (const message of [localToSns, localElsewhere, awsToLoopback]) {
      await expect(withDevCertificate(quiet).verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual(refused);
    }
    // Only the AWS certificate was fetched; no confirmation URL was visited.
    expect(quiet.mock.calls.map(([url]) => url)).toEqual([fixture('subscription-confirmation.json').SigningCertURL]);
  });

  it('refuses, without throwing, while the configured development certificate cannot be read', async () => {
    const message = locallySigned(fixture('notification-bounce.json'));
    await expect(adapterWith(fakeAws(), new Date(), 'not a certificate').verify(requestOf(message), SES_CREDENTIALS)).resolves.toEqual({
      ok: false,
      reason: 'untrusted_certificate',
      detail: 'certificate could not be read',
    });
  });
});

describe('SES adapter: parsing', () => {
  it('turns the documented Bounce notification into one failed status', () => {
    expect(statusesOf(fixture('notification-bounce.json'))).toEqual([
      {
        event_id: deterministicEventId(channel.id, '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324'),
        channel_id: channel.id,
        account_id: channel.account_id,
        channel_type: 'email',
        provider_message_id: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        status: 'failed',
        timestamp: '2017-08-05T00:41:02.669Z',
        recipient_address: 'recipient@example.com',
        error_code: '5.1.1',
        error_message: 'smtp; 550 5.1.1 user unknown',
        metadata: {
          recipient: 'recipient@example.com',
          provider_event_id: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
          provider_status: 'Bounce/Permanent',
          topic_arn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
          bounce_type: 'Permanent',
          bounce_sub_type: 'General',
          feedback_id: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
        },
        received_at: '2017-08-05T00:41:04.000Z',
      },
    ]);
  });

  it('gives no status for the documented SubscriptionConfirmation, nor an UnsubscribeConfirmation', () => {
    expect(statusesOf(fixture('subscription-confirmation.json'))).toEqual([]);
    expect(statusesOf({ ...fixture('subscription-confirmation.json'), Type: 'UnsubscribeConfirmation' })).toEqual([]);
  });

  it.each([
    ['Send', {}, 'sent'],
    [
      'Delivery',
      { delivery: { timestamp: '2017-08-05T00:41:01.000Z', recipients: ['recipient@example.com'], smtpResponse: '250 ok' } },
      'delivered',
    ],
    [
      'Complaint',
      { complaint: { complainedRecipients: [{ emailAddress: 'recipient@example.com' }], complaintFeedbackType: 'abuse' } },
      'complained',
    ],
    ['Open', { open: { timestamp: '2017-08-09T22:00:19.652Z', ipAddress: '192.0.2.1', userAgent: 'x' } }, 'read'],
    ['Click', { click: { timestamp: '2017-08-09T23:51:25.570Z', link: 'https://aws.amazon.com/ses/' } }, 'clicked'],
    ['Reject', { reject: { reason: 'Bad content' } }, 'failed'],
    [
      'DeliveryDelay',
      {
        deliveryDelay: {
          delayType: 'TransientCommunicationFailure',
          delayedRecipients: [{ emailAddress: 'recipient@example.com', status: '4.4.1' }],
        },
      },
      'deferred',
    ],
    ['Rendering Failure', { failure: { errorMessage: 'Attribute name is missing', templateName: 'MyTemplate' } }, 'failed'],
    ['Subscription', {}, 'subscription'],
  ])('maps eventType %s %j to %s', (eventType, detail, status) => {
    expect(statusesOf(notificationOf(sesEventOf(eventType, detail)))).toMatchObject([
      {
        status,
        provider_message_id: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        metadata: { provider_status: eventType },
      },
    ]);
  });

  it.each([
    ['Permanent', 'NoEmail'],
    ['Transient', 'MailboxFull'],
    ['Undetermined', 'Undetermined'],
  ])('maps every Bounce to failed, a %s one too, keeping its type for error_details', (bounceType, bounceSubType) => {
    const bounce = { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'recipient@example.com' }] };
    expect(statusesOf(notificationOf(sesEventOf('Bounce', { bounce })))).toMatchObject([
      {
        status: 'failed',
        error_code: bounceSubType,
        recipient_address: 'recipient@example.com',
        metadata: { provider_status: `Bounce/${bounceType}`, bounce_type: bounceType, bounce_sub_type: bounceSubType },
      },
    ]);
  });

  it('keeps the event’s own details: click link, delivery response, delay and rendering failure', () => {
    const [click] = statusesOf(
      notificationOf(sesEventOf('Click', { click: { timestamp: '2017-08-09T23:51:25.570Z', link: 'https://aws.amazon.com/ses/' } })),
    );
    expect(click).toMatchObject({ timestamp: '2017-08-09T23:51:25.570Z', metadata: { link: 'https://aws.amazon.com/ses/' } });
    const [delivery] = statusesOf(
      notificationOf(
        sesEventOf('Delivery', {
          delivery: { timestamp: '2017-08-05T00:41:01.000Z', recipients: ['recipient@example.com'], smtpResponse: '250 ok' },
        }),
      ),
    );
    expect(delivery).toMatchObject({ timestamp: '2017-08-05T00:41:01.000Z', metadata: { smtp_response: '250 ok' } });
    const [delay] = statusesOf(
      notificationOf(
        sesEventOf('DeliveryDelay', {
          deliveryDelay: {
            delayType: 'MailboxFull',
            timestamp: '2017-08-05T01:00:00.000Z',
            delayedRecipients: [{ emailAddress: 'r@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 full' }],
          },
        }),
      ),
    );
    expect(delay).toMatchObject({
      status: 'deferred',
      error_code: '4.2.2',
      error_message: 'smtp; 452 full',
      metadata: { delay_type: 'MailboxFull', recipient: 'r@example.com' },
    });
    const [rendering] = statusesOf(
      notificationOf(
        sesEventOf('Rendering Failure', { failure: { errorMessage: 'Attribute name is missing', templateName: 'MyTemplate' } }),
      ),
    );
    expect(rendering).toMatchObject({
      status: 'failed',
      error_message: 'Attribute name is missing',
      timestamp: '2017-08-05T00:40:02.012Z',
      metadata: { template_name: 'MyTemplate' },
    });
  });

  it('reads older identity notifications (notificationType) too', () => {
    const identityBounce = {
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Transient',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'a@example.com' }],
        timestamp: '2016-01-27T14:59:38.237Z',
      },
      mail: {
        messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
        timestamp: '2016-01-27T14:59:38.237Z',
        destination: ['a@example.com'],
      },
    };
    expect(statusesOf(notificationOf(identityBounce))).toMatchObject([
      { status: 'failed', provider_message_id: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000' },
    ]);
  });

  it('makes one status per recipient a bounce, delivery or complaint lists, each with its own diagnosis and id', () => {
    const bounce = {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        { emailAddress: 'a@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 unknown' },
        { emailAddress: 'b@example.com', status: '5.2.1', diagnosticCode: 'smtp; 550 5.2.1 disabled' },
        { emailAddress: 'B@example.com', status: '5.2.1' },
      ],
    };
    const statuses = statusesOf(notificationOf(sesEventOf('Bounce', { bounce })));
    expect(statuses).toMatchObject([
      { status: 'failed', recipient_address: 'a@example.com', error_code: '5.1.1', error_message: 'smtp; 550 5.1.1 unknown' },
      { status: 'failed', recipient_address: 'b@example.com', error_code: '5.2.1', error_message: 'smtp; 550 5.2.1 disabled' },
    ]);
    expect(new Set(statuses.map((status) => status.event_id)).size).toBe(2);
    const delivery = { timestamp: '2017-08-05T00:41:01.000Z', recipients: ['a@example.com', 'c@example.com'] };
    expect(statusesOf(notificationOf(sesEventOf('Delivery', { delivery }))).map((status) => status.recipient_address)).toEqual([
      'a@example.com',
      'c@example.com',
    ]);
    // An event that lists no recipient concerns every destination of the message.
    const send = sesEventOf('Send');
    (send['mail'] as Record<string, unknown>)['destination'] = ['a@example.com', 'b@example.com'];
    expect(statusesOf(notificationOf(send)).map((status) => status.recipient_address)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('gives no status for SES notifications that name no message', () => {
    expect(
      statusesOf(notificationOf({ notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'You have successfully subscribed' })),
    ).toEqual([]);
  });

  it('gives the same ids when the same call is parsed twice, and distinct ids for distinct notifications', () => {
    const first = statusesOf(fixture('notification-bounce.json'))[0].event_id;
    expect(statusesOf(fixture('notification-bounce.json'))[0].event_id).toBe(first);
    expect(statusesOf({ ...fixture('notification-bounce.json'), MessageId: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b' })[0].event_id).not.toBe(
      first,
    );
  });

  it('answers invalid_json, invalid_payload and unsupported_payload for what is not an SES notification', () => {
    const adapter = adapterWith(fakeAws());
    expect(adapter.parse(requestOf('Type=Notification'), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_json' },
    });
    expect(adapter.parse(requestOf('{"Message":"{}"}'), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_payload' },
    });
    expect(adapter.parse(requestOf({ Type: 'Notification', MessageId: 'x' }), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_payload' },
    });
    expect(adapter.parse(requestOf(notificationOf({}, { Message: 'Hello from the SNS console' })), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'unsupported_payload' },
    });
    expect(adapter.parse(requestOf({ ...fixture('notification-bounce.json'), Type: 'Notice' }), channel, receivedAt)).toMatchObject({
      ok: false,
      error: { kind: 'unsupported_payload' },
    });
  });

  it('never throws and only produces valid events on arbitrary input (property)', () => {
    const adapter = adapterWith(fakeAws());
    const sesEvent = fc.record(
      {
        eventType: fc.oneof(fc.constantFrom('Bounce', 'Delivery', 'Click', 'DeliveryDelay', 'Rendering Failure'), fc.string()),
        mail: fc.record(
          { messageId: fc.oneof(fc.string(), fc.jsonValue()), timestamp: fc.string(), destination: fc.jsonValue() },
          { requiredKeys: [] },
        ),
        bounce: fc.record({ bounceType: fc.string(), bouncedRecipients: fc.jsonValue() }, { requiredKeys: [] }),
        delivery: fc.jsonValue(),
        click: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
          sesEvent.map((value) => Buffer.from(JSON.stringify(notificationOf(value)))),
          fc.string().map((message) => Buffer.from(JSON.stringify(notificationOf({}, { Message: message })))),
        ),
        (rawBody) => {
          const result = adapter.parse({ method: 'POST', url: '/', headers: {}, rawBody }, channel, receivedAt);
          if (result.ok) {
            for (const status of result.events.statuses) expect(validateEvent(StatusUpdateEvent, status).ok).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('registry', () => {
  it('picks this adapter for an email channel whose credentials name provider ses', () => {
    const registry = new AdapterRegistry({ now: () => new Date(), httpGetText: () => Promise.reject(new Error('no network')) });
    expect(registry.resolve('email', SES_CREDENTIALS)?.provider).toBe('ses');
    expect(AdapterRegistry.supportedEmailProviders()).toContain('ses');
  });
});

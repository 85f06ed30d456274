import { OUTBOUND_EVENT_TYPES } from '@inbound/contracts';
import {
  checkDestination,
  checkRetryPolicy,
  normalizeEvents,
  parseSubscriberUrl,
  SubscriptionInputError,
  type DestinationRules,
} from './subscription-input.util';

function refusal(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof SubscriptionInputError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseSubscriberUrl', () => {
  it('takes absolute http and https URLs and gives the bare host', () => {
    expect(parseSubscriberUrl('https://hooks.example.com/in?x=1').host).toBe('hooks.example.com');
    expect(parseSubscriberUrl('http://[::1]:8080/').host).toBe('::1');
    // The WHATWG parser normalises odd IPv4 spellings, so they are classified as what they mean.
    expect(parseSubscriberUrl('http://0x7f.1/').host).toBe('127.0.0.1');
    expect(parseSubscriberUrl('http://2130706433/').host).toBe('127.0.0.1');
  });

  it.each([
    ['not a url', 'absolute'],
    ['/relative/path', 'absolute'],
    ['ftp://example.com/', 'http or https'],
    ['javascript:alert(1)', 'http or https'],
    ['file:///etc/passwd', 'http or https'],
    ['https://user:pass@example.com/', 'credentials'],
    ['https://user@example.com/', 'credentials'],
    ['https://:pass@example.com/', 'credentials'],
  ])('refuses %p (field url)', (text, problem) => {
    const { field, message } = refusal(() => parseSubscriberUrl(text));
    expect(field).toBe('url');
    expect(message).toContain(problem);
  });
});

describe('normalizeEvents', () => {
  it('takes every catalogued type and "*", dropping repeats', () => {
    expect(normalizeEvents([...OUTBOUND_EVENT_TYPES])).toEqual([...OUTBOUND_EVENT_TYPES]);
    expect(normalizeEvents(['*'])).toEqual(['*']);
    expect(normalizeEvents(['message.read', 'message.read', 'message.sent'])).toEqual(['message.read', 'message.sent']);
  });

  it.each([[[]], [['message.bounced']], [['Message.Received']], [['message.received', 7]], [['**']]])(
    'refuses %p (field events)',
    (events) => {
      expect(refusal(() => normalizeEvents(events)).field).toBe('events');
    },
  );
});

describe('checkRetryPolicy', () => {
  it('takes max_attempts 1–20 and a bounded list of non-negative integers', () => {
    expect(checkRetryPolicy({})).toEqual({});
    expect(checkRetryPolicy({ max_attempts: 1 })).toEqual({ max_attempts: 1 });
    expect(checkRetryPolicy({ max_attempts: 20, backoff_ms: [0, 5000, 86_400_000] })).toEqual({
      max_attempts: 20,
      backoff_ms: [0, 5000, 86_400_000],
    });
  });

  it.each([
    [{ max_attempts: 0 }, 'retry.max_attempts'],
    [{ max_attempts: 21 }, 'retry.max_attempts'],
    [{ max_attempts: 2.5 }, 'retry.max_attempts'],
    [{ max_attempts: '3' }, 'retry.max_attempts'],
    [{ max_attempts: null }, 'retry.max_attempts'],
    [{ backoff_ms: [] }, 'retry.backoff_ms'],
    [{ backoff_ms: [-1] }, 'retry.backoff_ms'],
    [{ backoff_ms: [1.5] }, 'retry.backoff_ms'],
    [{ backoff_ms: ['1000'] }, 'retry.backoff_ms'],
    [{ backoff_ms: 1000 }, 'retry.backoff_ms'],
    [{ backoff_ms: [86_400_001] }, 'retry.backoff_ms'],
    [{ backoff_ms: new Array(21).fill(1000) }, 'retry.backoff_ms'],
    [{ jitter: true }, 'retry.jitter'],
  ])('refuses %p naming %s', (retry, field) => {
    expect(refusal(() => checkRetryPolicy(retry as Record<string, unknown>)).field).toBe(field);
  });
});

describe('checkDestination', () => {
  const strict: DestinationRules = { allowPrivateNetworks: false, requireHttps: true };
  const open: DestinationRules = { allowPrivateNetworks: true, requireHttps: true };
  const https = new URL('https://hooks.example.com/');
  const http = new URL('http://hooks.example.com/');

  it('takes public addresses over https', () => {
    expect(() => checkDestination(https, ['93.184.215.14', '2606:4700:4700::1111'], strict)).not.toThrow();
  });

  it('requires https in production for public hosts, not outside production', () => {
    expect(refusal(() => checkDestination(http, ['93.184.215.14'], strict))).toEqual({ field: 'url', message: 'url must use https' });
    expect(() => checkDestination(http, ['93.184.215.14'], { allowPrivateNetworks: false, requireHttps: false })).not.toThrow();
  });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.0.10',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ])('refuses %s unless private networks are allowed, then takes it over http too', (address) => {
    expect(refusal(() => checkDestination(https, [address], strict)).field).toBe('url');
    expect(() => checkDestination(http, [address], open)).not.toThrow();
  });

  it('refuses a host when any one of its addresses is refused', () => {
    expect(refusal(() => checkDestination(https, ['93.184.215.14', '10.0.0.1'], strict)).message).toContain('10.0.0.1');
  });

  it('still requires https for a host that mixes public and private addresses', () => {
    expect(refusal(() => checkDestination(http, ['93.184.215.14', '10.0.0.1'], open)).message).toBe('url must use https');
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '224.0.0.1', '255.255.255.255'])(
    'refuses %s even when private networks are allowed',
    (address) => {
      expect(refusal(() => checkDestination(https, [address], open)).field).toBe('url');
    },
  );

  it('refuses a host without addresses', () => {
    expect(refusal(() => checkDestination(https, [], strict)).field).toBe('url');
  });
});

import { ALL_OUTBOUND_EVENTS, isOutboundEventType, OUTBOUND_EVENT_TYPES } from '@inbound/contracts';
import type { WebhookRetryPolicy } from '@inbound/domain';
import { classifyAddress, isAddressAllowed } from '@inbound/webhook-delivery';

/** A subscription field the admin API refuses; answered as 400 naming `field`. */
export class SubscriptionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SubscriptionInputError';
  }
}

export const SUBSCRIPTION_LIMITS = {
  urlLength: 2048,
  descriptionLength: 500,
  maxAttempts: { min: 1, max: 20 },
  backoffEntries: 20,
  /** One day: the longest single wait between two attempts. */
  backoffMs: 86_400_000,
} as const;

export const DEFAULT_SUBSCRIBED_EVENTS: readonly string[] = ['message.received'];

/** An absolute http(s) URL without credentials; `host` is bare (no IPv6 brackets). */
export function parseSubscriberUrl(text: string): { url: URL; host: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SubscriptionInputError('url', 'url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SubscriptionInputError('url', 'url must use http or https');
  if (url.username !== '' || url.password !== '') throw new SubscriptionInputError('url', 'url must not carry credentials');
  if (url.hostname === '') throw new SubscriptionInputError('url', 'url must name a host');
  return { url, host: url.hostname.replace(/^\[(.*)\]$/, '$1') };
}

/** Known types or `*`, each once, in the order given. */
export function normalizeEvents(events: readonly unknown[]): string[] {
  if (events.length === 0) throw new SubscriptionInputError('events', 'events must name at least one event type (or "*")');
  for (const event of events) {
    if (event !== ALL_OUTBOUND_EVENTS && !isOutboundEventType(event)) {
      throw new SubscriptionInputError(
        'events',
        `events has an unknown event type ${JSON.stringify(event)}; known: ${OUTBOUND_EVENT_TYPES.join(', ')} or "*"`,
      );
    }
  }
  return [...new Set(events as string[])];
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** `{max_attempts?, backoff_ms?}`, nothing else. */
export function checkRetryPolicy(retry: Record<string, unknown>): WebhookRetryPolicy {
  for (const key of Object.keys(retry)) {
    if (key !== 'max_attempts' && key !== 'backoff_ms')
      throw new SubscriptionInputError(`retry.${key}`, `retry.${key} is not a retry setting`);
  }
  const policy: WebhookRetryPolicy = {};
  const { max_attempts: maxAttempts, backoff_ms: backoff } = retry;
  if (maxAttempts !== undefined) {
    const { min, max } = SUBSCRIPTION_LIMITS.maxAttempts;
    if (!isInteger(maxAttempts) || maxAttempts < min || maxAttempts > max) {
      throw new SubscriptionInputError('retry.max_attempts', `retry.max_attempts must be an integer from ${min} to ${max}`);
    }
    policy.max_attempts = maxAttempts;
  }
  if (backoff !== undefined) {
    const { backoffEntries, backoffMs } = SUBSCRIPTION_LIMITS;
    const valid =
      Array.isArray(backoff) &&
      backoff.length >= 1 &&
      backoff.length <= backoffEntries &&
      backoff.every((delay) => isInteger(delay) && delay >= 0 && delay <= backoffMs);
    if (!valid) {
      throw new SubscriptionInputError(
        'retry.backoff_ms',
        `retry.backoff_ms must be a list of 1 to ${backoffEntries} whole milliseconds, each from 0 to ${backoffMs}`,
      );
    }
    policy.backoff_ms = backoff as number[];
  }
  return policy;
}

export interface DestinationRules {
  /** OUTBOUND_ALLOW_PRIVATE_URLS. */
  allowPrivateNetworks: boolean;
  /** NODE_ENV=production: plain http only to private networks an operator let in. */
  requireHttps: boolean;
}

/** Refuses a URL whose host's addresses (all of them: any one may be chosen at connect time) are not allowed. */
export function checkDestination(url: URL, addresses: readonly string[], rules: DestinationRules): void {
  if (addresses.length === 0) throw new SubscriptionInputError('url', 'url host has no address');
  let allPrivate = true;
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls === undefined) throw new SubscriptionInputError('url', `url host resolved to something that is not an IP address`);
    if (!isAddressAllowed(address, rules)) {
      throw new SubscriptionInputError(
        'url',
        `url host is or resolves to a ${cls.replace('_', '-')} address (${address}), which is not allowed`,
      );
    }
    if (cls === 'public') allPrivate = false;
  }
  if (rules.requireHttps && url.protocol === 'http:' && !allPrivate) throw new SubscriptionInputError('url', 'url must use https');
}

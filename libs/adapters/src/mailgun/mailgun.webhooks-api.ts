import type { Credentials } from '../shared/credential-rules';
import { isJsonObject, readObject, readString, readStringArray } from '../shared/json-reader';
import { type ApiResult, ProviderApiClient } from '../shared/provider-api-client';
import type { ProviderApiAccess, RegistrationOutcome } from '../shared/provider-definition';
import { registrationOutcome } from '../shared/webhook-registration';
import { MAILGUN_REGISTERED_KEY, MAILGUN_SUBSCRIBED_EVENTS } from './mailgun.types';

// Mailgun's domain webhooks: https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/domain-webhooks
// (one list of at most 3 URLs per event type: GET all, POST to create a type, PUT to replace its
// list, DELETE to drop the type), and the account's HTTP webhook signing key:
// https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/account-management/get-v5-accounts-http_signing_key.
// Authentication: HTTP Basic, user `api`, the API key as password.

/** Where Mailgun's API is unless MAILGUN_API_BASE_URL says otherwise (EU domains: https://api.eu.mailgun.net). */
export const MAILGUN_API_ORIGIN = 'https://api.mailgun.net';

const SUBSCRIBED: ReadonlySet<string> = new Set(MAILGUN_SUBSCRIBED_EVENTS);

/** The URLs each event type of the domain posts to. */
type DomainWebhooks = Map<string, string[]>;

class MailgunDomainWebhooks {
  private readonly client: ProviderApiClient;
  private readonly path: string;

  constructor(api: ProviderApiAccess, credentials: Credentials) {
    this.client = new ProviderApiClient(api, {
      name: 'Mailgun',
      headers: { authorization: `Basic ${Buffer.from(`api:${String(credentials.api_key)}`).toString('base64')}` },
      errorMessageOf: (data) => (isJsonObject(data) ? (readString(data, 'message') ?? readString(data, 'Reason')) : undefined),
    });
    this.path = `/v3/domains/${encodeURIComponent(String(credentials.domain))}/webhooks`;
  }

  async read(): Promise<ApiResult<DomainWebhooks>> {
    const answer = await this.client.get(this.path);
    if (!answer.ok) return answer;
    const webhooks = isJsonObject(answer.value) ? readObject(answer.value, 'webhooks') : undefined;
    if (!webhooks) return { ok: false, error: 'Mailgun answered the domain webhooks without webhooks' };
    const byType: DomainWebhooks = new Map();
    for (const type of Object.keys(webhooks)) {
      const entry = readObject(webhooks, type) ?? {};
      // `urls` today; a single `url` in older answers.
      const single = readString(entry, 'url');
      byType.set(type, readStringArray(entry, 'urls') ?? (single ? [single] : []));
    }
    return { ok: true, value: byType };
  }

  /** Our URL added to the type's list (the type created when the domain has none). */
  add(type: string, urls: readonly string[] | undefined, url: string): Promise<ApiResult<unknown>> {
    if (urls === undefined) return this.client.send({ method: 'POST', path: this.path, form: { id: type, url } });
    return this.client.send({ method: 'PUT', path: `${this.path}/${encodeURIComponent(type)}`, form: { url: [...urls, url] } });
  }

  /** Our URL taken off the type's list; the type deleted when ours was its only URL. */
  remove(type: string, urls: readonly string[], url: string): Promise<ApiResult<unknown>> {
    const others = urls.filter((candidate) => candidate !== url);
    if (others.length === 0) return this.client.delete(`${this.path}/${encodeURIComponent(type)}`);
    return this.client.send({ method: 'PUT', path: `${this.path}/${encodeURIComponent(type)}`, form: { url: others } });
  }

  async signingKey(): Promise<ApiResult<string>> {
    const answer = await this.client.get('/v5/accounts/http_signing_key');
    if (!answer.ok) return answer;
    const key = isJsonObject(answer.value) ? readString(answer.value, 'http_signing_key') : undefined;
    return key ? { ok: true, value: key } : { ok: false, error: 'Mailgun answered no HTTP webhook signing key' };
  }
}

/** Takes our URL off every event type that has it, other URLs kept; `only` limits it to types we no longer subscribe to. */
async function removeOurUrl(
  webhooks: MailgunDomainWebhooks,
  current: DomainWebhooks,
  url: string,
  only: (type: string) => boolean,
): Promise<ApiResult<undefined>> {
  for (const [type, urls] of current) {
    if (!only(type) || !urls.includes(url)) continue;
    const removed = await webhooks.remove(type, urls, url);
    if (!removed.ok) return removed;
  }
  return { ok: true, value: undefined };
}

/**
 * Our URL on each event type we map, and on no other; the URLs others set on the domain are kept.
 * Then the account's signing key is read (never regenerated: other integrations verify with it).
 */
export async function registerMailgunWebhooks(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const webhooks = new MailgunDomainWebhooks(api, credentials);
  const current = await webhooks.read();
  if (!current.ok) return registrationOutcome(url, current);
  for (const type of MAILGUN_SUBSCRIBED_EVENTS) {
    const urls = current.value.get(type);
    if (urls?.includes(url)) continue;
    const added = await webhooks.add(type, urls, url);
    if (!added.ok) return registrationOutcome(url, added);
  }
  const stale = await removeOurUrl(webhooks, current.value, url, (type) => !SUBSCRIBED.has(type));
  if (!stale.ok) return registrationOutcome(url, stale);
  const key = await webhooks.signingKey();
  return registrationOutcome(url, key.ok ? { ok: true, value: { [MAILGUN_REGISTERED_KEY]: key.value } } : key);
}

export async function unregisterMailgunWebhooks(
  api: ProviderApiAccess,
  credentials: Credentials,
  url: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const webhooks = new MailgunDomainWebhooks(api, credentials);
  const current = await webhooks.read();
  if (!current.ok) return current;
  const removed = await removeOurUrl(webhooks, current.value, url, () => true);
  return removed.ok ? { ok: true } : removed;
}

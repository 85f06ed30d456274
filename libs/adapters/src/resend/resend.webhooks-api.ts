import type { Credentials } from '../shared/credential-rules';
import { isJsonObject, readBoolean, readObjectArray, readString, readStringArray } from '../shared/json-reader';
import { type ApiResult, ProviderApiClient } from '../shared/provider-api-client';
import type { ProviderApiAccess, RegistrationOutcome } from '../shared/provider-definition';
import {
  ensureOneEndpoint,
  registrationOutcome,
  removeOurEndpoints,
  sameNames,
  type WebhookEndpoints,
} from '../shared/webhook-registration';
import { RESEND_REGISTERED_SECRET_KEY, RESEND_SUBSCRIBED_EVENTS } from './resend.types';

// Resend's Webhooks API: https://resend.com/docs/api-reference/webhooks (create, list, retrieve,
// update, delete); errors `{statusCode, name, message}`: https://resend.com/docs/api-reference/errors.

/** Where Resend's API is unless RESEND_API_BASE_URL says otherwise (tests point it at a fake). */
export const RESEND_API_ORIGIN = 'https://api.resend.com';

/** Pages of the webhook list read at most: far beyond any account's webhooks, a bound on a provider that keeps saying "more". */
const MAX_LIST_PAGES = 20;

interface ResendWebhook {
  id: string;
  endpoint: string;
  events?: string[];
  /** `enabled` or `disabled`. */
  status?: string;
  /** Only in the answers to create and retrieve. */
  signing_secret?: string;
}

function resendClient(api: ProviderApiAccess, credentials: Credentials): ProviderApiClient {
  return new ProviderApiClient(api, {
    name: 'Resend',
    headers: { authorization: `Bearer ${String(credentials.api_key)}` },
    errorMessageOf: (data) => (isJsonObject(data) ? readString(data, 'message') : undefined),
  });
}

function decodeWebhook(value: unknown): ResendWebhook | undefined {
  if (!isJsonObject(value)) return undefined;
  const id = readString(value, 'id');
  const endpoint = readString(value, 'endpoint');
  if (!id || !endpoint) return undefined;
  return {
    id,
    endpoint,
    events: readStringArray(value, 'events'),
    status: readString(value, 'status'),
    signing_secret: readString(value, 'signing_secret'),
  };
}

async function listWebhooks(client: ProviderApiClient): Promise<ApiResult<ResendWebhook[]>> {
  const webhooks: ResendWebhook[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const listed = await client.get(after === undefined ? '/webhooks' : `/webhooks?after=${encodeURIComponent(after)}`);
    if (!listed.ok) return listed;
    const data = isJsonObject(listed.value) ? readObjectArray(listed.value, 'data') : undefined;
    if (!data) return { ok: false, error: 'Resend answered the webhook list without data' };
    const decoded = data.flatMap((entry) => decodeWebhook(entry) ?? []);
    webhooks.push(...decoded);
    const hasMore = isJsonObject(listed.value) && readBoolean(listed.value, 'has_more') === true;
    if (!hasMore || decoded.length === 0) return { ok: true, value: webhooks };
    after = decoded[decoded.length - 1].id;
  }
  return { ok: false, error: `Resend listed more than ${MAX_LIST_PAGES} pages of webhooks` };
}

function resendEndpoints(client: ProviderApiClient, url: string): WebhookEndpoints<ResendWebhook> {
  const settings = { endpoint: url, events: [...RESEND_SUBSCRIBED_EVENTS] };
  const path = (webhook: ResendWebhook) => `/webhooks/${encodeURIComponent(webhook.id)}`;
  return {
    list: () => listWebhooks(client),
    isOurs: (webhook) => webhook.endpoint === url,
    isCurrent: (webhook) => webhook.status === 'enabled' && sameNames(webhook.events, RESEND_SUBSCRIBED_EVENTS),
    async create() {
      const created = await client.send({ method: 'POST', path: '/webhooks', json: settings });
      if (!created.ok) return created;
      const webhook = decodeWebhook({ ...settings, ...(isJsonObject(created.value) ? created.value : {}) });
      return webhook ? { ok: true, value: webhook } : { ok: false, error: 'Resend answered the webhook creation without an id' };
    },
    async update(webhook) {
      const updated = await client.send({ method: 'PATCH', path: path(webhook), json: { ...settings, status: 'enabled' } });
      return updated.ok ? { ok: true, value: { ...webhook, ...settings, status: 'enabled' } } : updated;
    },
    remove: (webhook) => client.delete(path(webhook)),
  };
}

/** The endpoint's signing secret: in the creation's answer, else retrieved (an endpoint found already there). */
async function signingSecretOf(client: ProviderApiClient, webhook: ResendWebhook): Promise<ApiResult<string>> {
  if (webhook.signing_secret) return { ok: true, value: webhook.signing_secret };
  const retrieved = await client.get(`/webhooks/${encodeURIComponent(webhook.id)}`);
  if (!retrieved.ok) return retrieved;
  const secret = decodeWebhook(retrieved.value)?.signing_secret;
  return secret ? { ok: true, value: secret } : { ok: false, error: 'Resend answered the webhook without its signing secret' };
}

/** One enabled endpoint at our URL with our events; its signing secret is stored (server-owned) to verify with. */
export async function registerResendWebhook(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const client = resendClient(api, credentials);
  const webhook = await ensureOneEndpoint(resendEndpoints(client, url));
  if (!webhook.ok) return registrationOutcome(url, webhook);
  const secret = await signingSecretOf(client, webhook.value);
  return registrationOutcome(url, secret.ok ? { ok: true, value: { [RESEND_REGISTERED_SECRET_KEY]: secret.value } } : secret);
}

export function unregisterResendWebhook(api: ProviderApiAccess, credentials: Credentials, url: string) {
  return removeOurEndpoints(resendEndpoints(resendClient(api, credentials), url));
}

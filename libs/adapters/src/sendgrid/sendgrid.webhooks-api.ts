import type { Credentials } from '../shared/credential-rules';
import { isJsonObject, readBoolean, readObjectArray, readString, type JsonObject } from '../shared/json-reader';
import { type ApiResult, ProviderApiClient } from '../shared/provider-api-client';
import type { ProviderApiAccess, RegistrationOutcome } from '../shared/provider-definition';
import { ensureOneEndpoint, registrationOutcome, removeOurEndpoints, type WebhookEndpoints } from '../shared/webhook-registration';
import { SENDGRID_REGISTERED_KEY, SENDGRID_SUBSCRIBED_EVENTS } from './sendgrid.types';

// SendGrid's Event Webhook API (several webhooks per account, each with an id):
// https://www.twilio.com/docs/sendgrid/api-reference/webhooks (create, retrieve all, update, delete,
// toggle signature verification); errors `{errors: [{field, message}]}`:
// https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors.

/** Where SendGrid's API is unless SENDGRID_API_BASE_URL says otherwise (EU subusers: https://api.eu.sendgrid.com). */
export const SENDGRID_API_ORIGIN = 'https://api.sendgrid.com';

const SETTINGS_PATH = '/v3/user/webhooks/event/settings';

/** The webhook setting that turns an event on: its name, except `spamreport`, which the API spells `spam_report`. */
const settingOf = (event: (typeof SENDGRID_SUBSCRIBED_EVENTS)[number]) => (event === 'spamreport' ? 'spam_report' : event);
const EVENT_SETTINGS = SENDGRID_SUBSCRIBED_EVENTS.map(settingOf);

interface SendGridEventWebhook {
  id: string;
  url: string;
  /** The answer as SendGrid gave it, for the `enabled` and per-event settings. */
  settings: JsonObject;
  /** Present (non-empty) only while signature verification is on. */
  public_key?: string;
}

function sendGridClient(api: ProviderApiAccess, credentials: Credentials): ProviderApiClient {
  return new ProviderApiClient(api, {
    name: 'SendGrid',
    headers: { authorization: `Bearer ${String(credentials.api_key)}` },
    errorMessageOf: (data) => {
      const errors = isJsonObject(data) ? readObjectArray(data, 'errors') : undefined;
      const messages = (errors ?? []).flatMap((error) => readString(error, 'message') ?? []);
      return messages.length > 0 ? messages.join('; ') : undefined;
    },
  });
}

function decodeWebhook(value: unknown): SendGridEventWebhook | undefined {
  if (!isJsonObject(value)) return undefined;
  const id = readString(value, 'id');
  const url = readString(value, 'url');
  // The list shows `{}` for an account without webhooks.
  return id && url ? { id, url, settings: value, public_key: readString(value, 'public_key') } : undefined;
}

function sendGridEndpoints(client: ProviderApiClient, url: string): WebhookEndpoints<SendGridEventWebhook> {
  // Every event we map turned on; the settings we do not name (account_status_change) are left as they are.
  const settings = { enabled: true, url, ...Object.fromEntries(EVENT_SETTINGS.map((setting) => [setting, true])) };
  const path = (webhook: SendGridEventWebhook) => `${SETTINGS_PATH}/${encodeURIComponent(webhook.id)}`;
  return {
    async list() {
      const listed = await client.get(`${SETTINGS_PATH}/all`);
      if (!listed.ok) return listed;
      const webhooks = isJsonObject(listed.value) ? readObjectArray(listed.value, 'webhooks') : undefined;
      if (!webhooks) return { ok: false, error: 'SendGrid answered the Event Webhook list without webhooks' };
      return { ok: true, value: webhooks.flatMap((entry) => decodeWebhook(entry) ?? []) };
    },
    isOurs: (webhook) => webhook.url === url,
    isCurrent: (webhook) =>
      readBoolean(webhook.settings, 'enabled') === true &&
      EVENT_SETTINGS.every((setting) => readBoolean(webhook.settings, setting) === true),
    async create() {
      const created = await client.send({ method: 'POST', path: SETTINGS_PATH, json: settings });
      if (!created.ok) return created;
      const webhook = decodeWebhook(created.value);
      return webhook ? { ok: true, value: webhook } : { ok: false, error: 'SendGrid answered the Event Webhook creation without an id' };
    },
    async update(webhook) {
      const updated = await client.send({ method: 'PATCH', path: path(webhook), json: settings });
      if (!updated.ok) return updated;
      // The update's answer leaves the public key out; signing was not touched by it.
      return { ok: true, value: { ...webhook, settings: isJsonObject(updated.value) ? updated.value : settings } };
    },
    remove: (webhook) => client.delete(path(webhook)),
  };
}

/** Signature verification turned on (the key is listed once it is); answers the public key SendGrid signs against. */
async function publicKeyOf(client: ProviderApiClient, webhook: SendGridEventWebhook): Promise<ApiResult<string>> {
  if (webhook.public_key) return { ok: true, value: webhook.public_key };
  const signed = await client.send({
    method: 'PATCH',
    path: `${SETTINGS_PATH}/signed/${encodeURIComponent(webhook.id)}`,
    json: { enabled: true },
  });
  if (!signed.ok) return signed;
  const key = isJsonObject(signed.value) ? readString(signed.value, 'public_key') : undefined;
  return key ? { ok: true, value: key } : { ok: false, error: 'SendGrid turned signing on but answered no public key' };
}

/** One enabled, signed Event Webhook at our URL with our events; its public key is stored (server-owned) to verify with. */
export async function registerSendGridWebhook(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const client = sendGridClient(api, credentials);
  const webhook = await ensureOneEndpoint(sendGridEndpoints(client, url));
  if (!webhook.ok) return registrationOutcome(url, webhook);
  const key = await publicKeyOf(client, webhook.value);
  return registrationOutcome(url, key.ok ? { ok: true, value: { [SENDGRID_REGISTERED_KEY]: key.value } } : key);
}

export function unregisterSendGridWebhook(api: ProviderApiAccess, credentials: Credentials, url: string) {
  return removeOurEndpoints(sendGridEndpoints(sendGridClient(api, credentials), url));
}

import type { Credentials } from '../shared/credential-rules';
import { isJsonObject, readBoolean, readNumber, readObject, readObjectArray, readString, type JsonObject } from '../shared/json-reader';
import { ProviderApiClient } from '../shared/provider-api-client';
import type { ProviderApiAccess, RegistrationOutcome } from '../shared/provider-definition';
import { ensureOneEndpoint, registrationOutcome, removeOurEndpoints, type WebhookEndpoints } from '../shared/webhook-registration';
import { POSTMARK_SUBSCRIBED_TRIGGERS } from './postmark.types';

// Postmark's Webhooks API, per server (X-Postmark-Server-Token) and message stream:
// https://postmarkapp.com/developer/api/webhooks-api (list, create, edit, delete); errors
// `{ErrorCode, Message}`: https://postmarkapp.com/developer/api/overview#response-codes.

/** Where Postmark's API is unless POSTMARK_API_BASE_URL says otherwise (tests point it at a fake). */
export const POSTMARK_API_ORIGIN = 'https://api.postmarkapp.com';

/** The server's default transactional stream, where the messages we track are sent. */
const MESSAGE_STREAM = 'outbound';

interface PostmarkWebhook {
  ID: number;
  Url: string;
  /** The answer as Postmark gave it, for `HttpAuth` and `Triggers`. */
  settings: JsonObject;
}

function postmarkClient(api: ProviderApiAccess, credentials: Credentials): ProviderApiClient {
  return new ProviderApiClient(api, {
    name: 'Postmark',
    headers: { 'x-postmark-server-token': String(credentials.server_token) },
    errorMessageOf: (data) => (isJsonObject(data) ? readString(data, 'Message') : undefined),
  });
}

function decodeWebhook(value: unknown): PostmarkWebhook | undefined {
  if (!isJsonObject(value)) return undefined;
  const id = readNumber(value, 'ID');
  const url = readString(value, 'Url');
  return id !== undefined && url ? { ID: id, Url: url, settings: value } : undefined;
}

/** What we ask of a webhook: our Basic credentials, and every trigger we map on (bounce and complaint contents not copied in). */
function settingsFor(url: string, credentials: Credentials) {
  const triggers: Record<string, Record<string, boolean>> = Object.fromEntries(
    POSTMARK_SUBSCRIBED_TRIGGERS.map((trigger) => [trigger, { Enabled: true }]),
  );
  triggers.Open.PostFirstOpenOnly = false;
  triggers.Bounce.IncludeContent = false;
  triggers.SpamComplaint.IncludeContent = false;
  return {
    Url: url,
    HttpAuth: { Username: String(credentials.basic_auth_username), Password: String(credentials.basic_auth_password) },
    Triggers: triggers,
  };
}

function postmarkEndpoints(client: ProviderApiClient, url: string, credentials: Credentials): WebhookEndpoints<PostmarkWebhook> {
  const settings = settingsFor(url, credentials);
  const path = (webhook: PostmarkWebhook) => `/webhooks/${webhook.ID}`;
  return {
    async list() {
      const listed = await client.get(`/webhooks?MessageStream=${MESSAGE_STREAM}`);
      if (!listed.ok) return listed;
      const webhooks = isJsonObject(listed.value) ? readObjectArray(listed.value, 'Webhooks') : undefined;
      if (!webhooks) return { ok: false, error: 'Postmark answered the webhook list without Webhooks' };
      return { ok: true, value: webhooks.flatMap((entry) => decodeWebhook(entry) ?? []) };
    },
    isOurs: (webhook) => webhook.Url === url,
    isCurrent(webhook) {
      const auth = readObject(webhook.settings, 'HttpAuth') ?? {};
      const triggers = readObject(webhook.settings, 'Triggers') ?? {};
      return (
        readString(auth, 'Username') === settings.HttpAuth.Username &&
        readString(auth, 'Password') === settings.HttpAuth.Password &&
        POSTMARK_SUBSCRIBED_TRIGGERS.every((trigger) => readBoolean(readObject(triggers, trigger) ?? {}, 'Enabled') === true)
      );
    },
    async create() {
      const created = await client.send({ method: 'POST', path: '/webhooks', json: { ...settings, MessageStream: MESSAGE_STREAM } });
      if (!created.ok) return created;
      const webhook = decodeWebhook(created.value);
      return webhook ? { ok: true, value: webhook } : { ok: false, error: 'Postmark answered the webhook creation without an ID' };
    },
    async update(webhook) {
      const updated = await client.send({ method: 'PUT', path: path(webhook), json: settings });
      if (!updated.ok) return updated;
      return { ok: true, value: decodeWebhook(updated.value) ?? webhook };
    },
    remove: (webhook) => client.delete(path(webhook)),
  };
}

/** One webhook at our URL on the outbound stream, with the channel's Basic credentials (stored before this call) and our triggers. */
export async function registerPostmarkWebhook(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const webhook = await ensureOneEndpoint(postmarkEndpoints(postmarkClient(api, credentials), url, credentials));
  // Nothing comes back to store: the Basic credentials are ours, stored before Postmark heard of them.
  return registrationOutcome(url, webhook.ok ? { ok: true, value: {} } : webhook);
}

export function unregisterPostmarkWebhook(api: ProviderApiAccess, credentials: Credentials, url: string) {
  return removeOurEndpoints(postmarkEndpoints(postmarkClient(api, credentials), url, credentials));
}

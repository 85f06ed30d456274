import { randomBytes } from 'node:crypto';
import type { Credentials } from '../shared/credential-rules';
import type { ProviderApiAccess, RegistrationOutcome, WebhookState } from '../shared/provider-definition';
import { UnipileApi } from './unipile.api';
import { UNIPILE_SERVER_OWNED_KEYS, unipileAccountIds } from './unipile.credentials';
import { UNIPILE_SECRET_HEADER } from './unipile.signature';
import type { UnipileWebhook, UnipileWebhookCreation } from './unipile.types';

/**
 * Exactly one Unipile webhook points at a channel's URL, as we want it (our secret header, the channel's accounts,
 * JSON, enabled). Unipile's v1 API lists, creates and deletes webhooks but cannot change one: a webhook that drifted
 * is replaced (the new one made first, so no event finds none) and every other one for the URL is deleted.
 */

/** 256 random bits, in characters any HTTP header value takes. */
export function generateUnipileWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the webhook for a URL must look like. `accountIds` undefined: every account, which the list is not compared to. */
export interface WantedWebhook {
  url: string;
  secret: string;
  accountIds?: readonly string[];
}

const sameSet = (left: readonly string[], right: readonly string[]) =>
  new Set(left).size === new Set(right).size && left.every((item) => right.includes(item));

/** Whether Unipile calls the URL the way we want: one secret header with our value (two would leave which is sent to chance). */
export function isAsWanted(webhook: UnipileWebhook, wanted: WantedWebhook): boolean {
  const secretHeaders = (webhook.headers ?? []).filter((header) => header.key.toLowerCase() === UNIPILE_SECRET_HEADER.toLowerCase());
  if (secretHeaders.length !== 1 || secretHeaders[0].value !== wanted.secret) return false;
  if (webhook.enabled === false) return false;
  if (webhook.format !== undefined && webhook.format !== 'json') return false;
  if (wanted.accountIds === undefined) return true;
  return sameSet(
    (webhook.account_ids ?? []).map((account) => account.id),
    wanted.accountIds,
  );
}

/** Which of the account's webhooks to keep for the URL (the stored one first), and which to delete. */
export function reconciliationPlan(
  webhooks: readonly UnipileWebhook[],
  wanted: WantedWebhook,
  storedId: string | undefined,
): { keep: UnipileWebhook | undefined; remove: UnipileWebhook[] } {
  const forUrl = webhooks.filter((webhook) => webhook.request_url === wanted.url);
  const usable = forUrl.filter((webhook) => isAsWanted(webhook, wanted));
  const keep = usable.find((webhook) => webhook.id === storedId) ?? usable[0];
  return { keep, remove: forUrl.filter((webhook) => webhook !== keep) };
}

function creation(wanted: WantedWebhook): UnipileWebhookCreation {
  // The URL's last segment is the channel id: the name tells people in Unipile's dashboard whose webhook it is.
  const channelId = wanted.url.split('/').pop() ?? '';
  return {
    request_url: wanted.url,
    source: 'messaging',
    name: `messaging-inbound ${channelId}`.trim(),
    format: 'json',
    headers: [{ key: UNIPILE_SECRET_HEADER, value: wanted.secret }],
    ...(wanted.accountIds === undefined ? {} : { account_ids: [...wanted.accountIds] }),
  };
}

/** UNIPILE_API_BASE_URL when set (tests), else the channel's own DSN. */
function apiOf(api: ProviderApiAccess, credentials: Credentials): UnipileApi {
  return new UnipileApi(api.baseUrl ?? String(credentials.api_url), String(credentials.api_key), api.http);
}

const failed = (url: string, error: string): WebhookState => ({ status: 'failed', url, error, failed_at: new Date().toISOString() });

export async function registerUnipileWebhook(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const secret = credentials.webhook_secret;
  if (typeof secret !== 'string' || secret === '') throw new Error('a Unipile webhook is registered only with a stored webhook_secret');
  const unipile = apiOf(api, credentials);
  const wanted: WantedWebhook = { url, secret, accountIds: unipileAccountIds(credentials) };
  const listed = await unipile.listWebhooks();
  if (!listed.ok) return { webhook: failed(url, listed.error) };
  const storedId = typeof credentials.webhook_id === 'string' ? credentials.webhook_id : undefined;
  const plan = reconciliationPlan(listed.value, wanted, storedId);
  let keptId = plan.keep?.id;
  if (keptId === undefined) {
    const created = await unipile.createWebhook(creation(wanted));
    if (!created.ok) return { webhook: failed(url, created.error) };
    keptId = created.value;
  }
  // The webhook in use is stored even when a removal fails: the next pass (or register-webhook) removes the rest.
  const outcome = (webhook: WebhookState): RegistrationOutcome => ({ webhook, credentials: { webhook_id: keptId } });
  for (const extra of plan.remove) {
    const deleted = await unipile.deleteWebhook(extra.id);
    if (!deleted.ok) return outcome(failed(url, deleted.error));
  }
  return outcome({ status: 'registered', url, registered_at: new Date().toISOString() });
}

/** Deletes every webhook of the account that points at the URL (ours, and any copy of it). */
export async function unregisterUnipileWebhook(
  api: ProviderApiAccess,
  credentials: Credentials,
  url: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const unipile = apiOf(api, credentials);
  const listed = await unipile.listWebhooks();
  if (!listed.ok) return listed;
  for (const webhook of listed.value.filter((candidate) => candidate.request_url === url)) {
    const deleted = await unipile.deleteWebhook(webhook.id);
    if (!deleted.ok) return deleted;
  }
  return { ok: true };
}

/** The stored secret, or a new one when there is none (a new channel, or one reactivated). */
export function unipileRegistrationCredentials(credentials: Credentials): Credentials {
  const secret = credentials.webhook_secret;
  return typeof secret === 'string' && secret !== '' ? credentials : { ...credentials, webhook_secret: generateUnipileWebhookSecret() };
}

/** A deactivated channel keeps neither the secret nor the id of a webhook that is gone. */
export function withoutUnipileRegistration(credentials: Credentials): Credentials {
  const kept = { ...credentials };
  for (const key of UNIPILE_SERVER_OWNED_KEYS) delete kept[key];
  return kept;
}

/** A registration made with other credentials than those stored now is stale: the change that replaced it records its own. */
export function isSameUnipileRegistration(stored: Credentials, registeredWith: Credentials): boolean {
  return (
    stored.webhook_secret === registeredWith.webhook_secret &&
    stored.api_url === registeredWith.api_url &&
    stored.api_key === registeredWith.api_key &&
    JSON.stringify(unipileAccountIds(stored) ?? null) === JSON.stringify(unipileAccountIds(registeredWith) ?? null)
  );
}

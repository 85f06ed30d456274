import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { bearerToken, type FakeApiAnswer, type FakeApiCall, FakeProviderApi } from '../../shared/testing/fake-provider-api';

/** The per-event settings of an Event Webhook (https://www.twilio.com/docs/sendgrid/api-reference/webhooks/create-an-event-webhook). */
const EVENT_SETTINGS = [
  'group_resubscribe',
  'delivered',
  'group_unsubscribe',
  'spam_report',
  'bounce',
  'deferred',
  'unsubscribe',
  'processed',
  'open',
  'click',
  'dropped',
  'account_status_change',
] as const;
const OTHER_SETTINGS = ['enabled', 'url', 'friendly_name', 'oauth_client_id', 'oauth_client_secret', 'oauth_token_url'];

export interface FakeSendGridWebhook {
  id: string;
  url: string;
  enabled: boolean;
  /** The per-event booleans, by setting name. */
  events: Record<string, boolean>;
  friendly_name: string | null;
  created_date: string;
  /** While signature verification is on: the key pair SendGrid signs with (the private half is SendGrid's own). */
  signing?: { publicKey: string; privateKeyPem: string };
}

const SETTINGS_PATH = '/v3/user/webhooks/event/settings';

/**
 * SendGrid's Event Webhook API for tests (https://www.twilio.com/docs/sendgrid/api-reference/webhooks):
 * one account per API key given, `Authorization: Bearer <key>`, JSON bodies, one webhook per URL,
 * errors as `{errors: [{field, message}]}`. Turning signing on makes a P-256 key pair whose
 * private half tests sign with, as SendGrid would.
 */
export class FakeSendGridApi extends FakeProviderApi {
  private readonly accounts = new Map<string, Map<string, FakeSendGridWebhook>>();
  /** Webhooks an account may have (SendGrid's plans allow a few). */
  maxAllowed = 5;

  constructor(apiKeys: readonly string[]) {
    super();
    for (const key of apiKeys) this.accounts.set(key, new Map());
  }

  webhooks(apiKey: string): FakeSendGridWebhook[] {
    return [...(this.accounts.get(apiKey)?.values() ?? [])];
  }

  /** A webhook made outside the gateway (in SendGrid's console, or an attempt whose answer was lost). */
  addWebhook(apiKey: string, url: string, enabledEvents: readonly string[], options: { enabled?: boolean; signed?: boolean } = {}) {
    const webhooks = this.accounts.get(apiKey);
    if (!webhooks) throw new Error(`no fake SendGrid account for ${apiKey}`);
    const webhook: FakeSendGridWebhook = {
      id: randomUUID(),
      url,
      enabled: options.enabled ?? true,
      events: Object.fromEntries(EVENT_SETTINGS.map((setting) => [setting, enabledEvents.includes(setting)])),
      friendly_name: null,
      created_date: new Date().toISOString(),
      signing: options.signed ? newSigningKeys() : undefined,
    };
    webhooks.set(webhook.id, webhook);
    return webhook;
  }

  protected errorBody(_status: number, message: string): unknown {
    return { errors: [{ field: null, message }] };
  }

  protected answer(call: FakeApiCall): FakeApiAnswer {
    if (call.headers.authorization === undefined) return this.refusal(401, 'authorization required');
    const webhooks = this.accounts.get(bearerToken(call.headers) ?? '');
    if (!webhooks) return this.refusal(401, 'The provided authorization grant is invalid, expired, or revoked');
    if ((call.method === 'POST' || call.method === 'PATCH') && call.contentType !== 'application/json')
      return this.refusal(400, 'Content-Type should be application/json');

    if (call.path === `${SETTINGS_PATH}/all` && call.method === 'GET')
      return { status: 200, body: { max_allowed: this.maxAllowed, webhooks: [...webhooks.values()].map(shown) } };
    if (call.path === SETTINGS_PATH && call.method === 'POST') return this.create(webhooks, call.json);
    const signed = new RegExp(`^${SETTINGS_PATH}/signed/([^/]+)$`).exec(call.path)?.[1];
    const id = signed ?? new RegExp(`^${SETTINGS_PATH}/([^/]+)$`).exec(call.path)?.[1];
    if (id === undefined) return this.refusal(404, 'resource not found');
    const webhook = webhooks.get(decodeURIComponent(id));
    if (!webhook) return this.refusal(404, 'Invalid id provided.');
    if (signed !== undefined) return this.signing(webhook, call);
    switch (call.method) {
      case 'GET':
        return { status: 200, body: shown(webhook) };
      case 'PATCH':
        return this.update(webhooks, webhook, call.json);
      case 'DELETE':
        webhooks.delete(webhook.id);
        return { status: 204 };
      default:
        return this.refusal(405, 'method not allowed');
    }
  }

  private create(webhooks: Map<string, FakeSendGridWebhook>, body: unknown): FakeApiAnswer {
    const problem = settingsProblem(body) ?? this.urlTaken(webhooks, body as { url: string });
    if (problem) return problem;
    if (webhooks.size >= this.maxAllowed)
      return this.refusal(400, 'You have reached the maximum number of webhooks per your current billing plan.');
    const settings = body as Record<string, unknown>;
    const webhook: FakeSendGridWebhook = {
      id: randomUUID(),
      url: String(settings.url),
      enabled: settings.enabled === true,
      events: Object.fromEntries(EVENT_SETTINGS.map((setting) => [setting, settings[setting] === true])),
      friendly_name: typeof settings.friendly_name === 'string' ? settings.friendly_name : null,
      created_date: new Date().toISOString(),
    };
    webhooks.set(webhook.id, webhook);
    return { status: 201, body: unsigned(webhook) };
  }

  private update(webhooks: Map<string, FakeSendGridWebhook>, webhook: FakeSendGridWebhook, body: unknown): FakeApiAnswer {
    const problem = settingsProblem(body) ?? this.urlTaken(webhooks, body as { url: string }, webhook.id);
    if (problem) return problem;
    const settings = body as Record<string, unknown>;
    webhook.url = String(settings.url);
    if (typeof settings.enabled === 'boolean') webhook.enabled = settings.enabled;
    for (const setting of EVENT_SETTINGS)
      if (typeof settings[setting] === 'boolean') webhook.events[setting] = settings[setting] as boolean;
    return { status: 200, body: unsigned(webhook) };
  }

  private signing(webhook: FakeSendGridWebhook, call: FakeApiCall): FakeApiAnswer {
    if (call.method === 'PATCH') {
      const enabled = (call.json as { enabled?: unknown } | undefined)?.enabled;
      if (typeof enabled !== 'boolean')
        return { status: 400, body: { errors: [{ field: 'enabled', message: 'enabled must be a boolean' }] } };
      webhook.signing = enabled ? (webhook.signing ?? newSigningKeys()) : undefined;
    } else if (call.method !== 'GET') {
      return this.refusal(405, 'method not allowed');
    }
    return { status: 200, body: { id: webhook.id, public_key: webhook.signing?.publicKey ?? '' } };
  }

  /** SendGrid allows one webhook per URL. */
  private urlTaken(webhooks: Map<string, FakeSendGridWebhook>, body: { url: string }, exceptId?: string): FakeApiAnswer | undefined {
    const other = [...webhooks.values()].find((webhook) => webhook.url === body.url && webhook.id !== exceptId);
    if (!other) return undefined;
    return {
      status: 400,
      body: { errors: [{ id: other.id, message: `Webhook at '${body.url}' already exists. Please provide a unique URL.`, url: body.url }] },
    };
  }
}

function newSigningKeys(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** As create and update answer it: no public key. */
function unsigned(webhook: FakeSendGridWebhook) {
  return {
    id: webhook.id,
    url: webhook.url,
    enabled: webhook.enabled,
    ...webhook.events,
    friendly_name: webhook.friendly_name,
    created_date: webhook.created_date,
    updated_date: new Date().toISOString(),
  };
}

/** As the list and retrieve answer it: the public key while signing is on. */
function shown(webhook: FakeSendGridWebhook) {
  return { ...unsigned(webhook), ...(webhook.signing ? { public_key: webhook.signing.publicKey } : {}) };
}

/** What SendGrid would say of a create or update body, as an answer; undefined when it is fine. */
function settingsProblem(body: unknown): FakeApiAnswer | undefined {
  const problem = (field: string | null, message: string): FakeApiAnswer => ({ status: 400, body: { errors: [{ field, message }] } });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return problem(null, 'invalid JSON body');
  const settings = body as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!OTHER_SETTINGS.includes(key) && !(EVENT_SETTINGS as readonly string[]).includes(key))
      return problem(key, `unknown field '${key}'`);
  }
  if (typeof settings.url !== 'string' || !/^https?:\/\/[^/\s]+/.test(settings.url))
    return problem('url', `'${String(settings.url)}' is not a valid url`);
  for (const key of ['enabled', ...EVENT_SETTINGS]) {
    if (settings[key] !== undefined && typeof settings[key] !== 'boolean') return problem(key, `${key} must be a boolean`);
  }
  return undefined;
}

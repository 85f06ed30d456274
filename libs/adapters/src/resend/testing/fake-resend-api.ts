import { randomBytes, randomUUID } from 'node:crypto';
import { bearerToken, type FakeApiAnswer, type FakeApiCall, FakeProviderApi } from '../../shared/testing/fake-provider-api';

/** Resend's webhook event types (https://resend.com/docs/dashboard/webhooks/event-types): anything else is refused. */
const RESEND_EVENT_TYPES = new Set([
  'email.sent',
  'email.delivered',
  'email.delivery_delayed',
  'email.complained',
  'email.bounced',
  'email.opened',
  'email.clicked',
  'email.received',
  'email.failed',
  'email.scheduled',
  'email.suppressed',
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'domain.created',
  'domain.updated',
  'domain.deleted',
]);

export interface FakeResendWebhook {
  id: string;
  endpoint: string;
  events: string[];
  status: 'enabled' | 'disabled';
  created_at: string;
  signing_secret: string;
}

type JsonBody = Record<string, unknown>;

/**
 * Resend's Webhooks API (https://resend.com/docs/api-reference/webhooks) for tests: one account
 * per API key given, `Authorization: Bearer <key>`, JSON bodies, errors as
 * `{statusCode, name, message}` (https://resend.com/docs/api-reference/errors). Each webhook
 * gets its own `whsec_` signing secret, as Resend's do.
 */
export class FakeResendApi extends FakeProviderApi {
  private readonly accounts = new Map<string, Map<string, FakeResendWebhook>>();
  /** Webhooks per list page; Resend answers them all at once unless asked for a `limit`. */
  pageSize = Number.POSITIVE_INFINITY;

  constructor(apiKeys: readonly string[]) {
    super();
    for (const key of apiKeys) this.accounts.set(key, new Map());
  }

  webhooks(apiKey: string): FakeResendWebhook[] {
    return [...(this.accounts.get(apiKey)?.values() ?? [])];
  }

  /** A webhook made outside the gateway (by hand in Resend's dashboard, or an earlier attempt whose answer was lost). */
  addWebhook(apiKey: string, endpoint: string, events: string[], status: FakeResendWebhook['status'] = 'enabled'): FakeResendWebhook {
    const webhook = { id: randomUUID(), endpoint, events, status, created_at: new Date().toISOString(), signing_secret: newSecret() };
    this.account(apiKey).set(webhook.id, webhook);
    return webhook;
  }

  protected errorBody(status: number, message: string): unknown {
    return { statusCode: status, name: status === 404 ? 'not_found' : 'validation_error', message };
  }

  protected answer(call: FakeApiCall): FakeApiAnswer {
    if (call.headers.authorization === undefined) return this.error(401, 'missing_api_key', 'Missing API key in the authorization header.');
    const webhooks = this.accounts.get(bearerToken(call.headers) ?? '');
    if (!webhooks) return this.error(403, 'invalid_api_key', 'API key is invalid');
    if (call.method !== 'GET' && call.method !== 'DELETE' && call.contentType !== 'application/json')
      return this.error(400, 'validation_error', 'Invalid request body: expected application/json');

    const id = /^\/webhooks\/([^/]+)$/.exec(call.path)?.[1];
    if (call.path === '/webhooks' && call.method === 'GET') return this.list(webhooks, call.query);
    if (call.path === '/webhooks' && call.method === 'POST') return this.create(webhooks, call.json);
    if (id === undefined) return this.error(404, 'not_found', 'The requested endpoint does not exist.');
    const webhook = webhooks.get(decodeURIComponent(id));
    if (!webhook) return this.error(404, 'not_found', 'Webhook not found');
    switch (call.method) {
      case 'GET':
        return { status: 200, body: { object: 'webhook', ...webhook } };
      case 'PATCH':
        return this.update(webhook, call.json);
      case 'DELETE':
        webhooks.delete(webhook.id);
        return { status: 200, body: { object: 'webhook', id: webhook.id, deleted: true } };
      default:
        return this.error(405, 'method_not_allowed', 'Method is not allowed for the requested path.');
    }
  }

  private list(webhooks: Map<string, FakeResendWebhook>, query: URLSearchParams): FakeApiAnswer {
    const all = [...webhooks.values()];
    const after = query.get('after');
    const start = after === null ? 0 : all.findIndex((webhook) => webhook.id === after) + 1;
    const size = Math.min(this.pageSize, Number(query.get('limit') ?? Number.POSITIVE_INFINITY));
    const page = all.slice(start, start + size);
    return {
      status: 200,
      body: {
        object: 'list',
        has_more: start + page.length < all.length,
        // The list never shows signing secrets.
        data: page.map(({ signing_secret: _secret, ...shown }) => shown),
      },
    };
  }

  private create(webhooks: Map<string, FakeResendWebhook>, body: unknown): FakeApiAnswer {
    const problem = settingsProblem(body, true);
    if (problem) return this.error(422, 'validation_error', problem);
    const { endpoint, events } = body as { endpoint: string; events: string[] };
    const webhook: FakeResendWebhook = {
      id: randomUUID(),
      endpoint,
      events: [...events],
      status: 'enabled',
      created_at: new Date().toISOString(),
      signing_secret: newSecret(),
    };
    webhooks.set(webhook.id, webhook);
    return { status: 200, body: { object: 'webhook', id: webhook.id, signing_secret: webhook.signing_secret } };
  }

  private update(webhook: FakeResendWebhook, body: unknown): FakeApiAnswer {
    const problem = settingsProblem(body, false);
    if (problem) return this.error(422, 'validation_error', problem);
    const { endpoint, events, status } = body as Partial<FakeResendWebhook>;
    if (endpoint !== undefined) webhook.endpoint = endpoint;
    if (events !== undefined) webhook.events = [...events];
    if (status !== undefined) webhook.status = status;
    return { status: 200, body: { object: 'webhook', id: webhook.id } };
  }

  private error(status: number, name: string, message: string): FakeApiAnswer {
    return { status, body: { statusCode: status, name, message } };
  }

  private account(apiKey: string): Map<string, FakeResendWebhook> {
    const webhooks = this.accounts.get(apiKey);
    if (!webhooks) throw new Error(`no fake Resend account for ${apiKey}`);
    return webhooks;
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** What Resend would say of a create (every field required) or update body, or undefined when it is fine. */
function settingsProblem(body: unknown, creating: boolean): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The request body is missing or is not a JSON object.';
  const { endpoint, events, status, ...others } = body as JsonBody;
  const unknown = Object.keys(others);
  if (unknown.length > 0) return `Unknown field: ${unknown.join(', ')}`;
  if (creating && (endpoint === undefined || events === undefined)) return 'Missing `endpoint` or `events` field.';
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !/^https?:\/\/[^/\s]+/.test(endpoint)))
    return '`endpoint` must be a valid URL.';
  if (events !== undefined) {
    if (!Array.isArray(events) || events.length === 0) return '`events` must be a non-empty array.';
    const invalid = events.filter((event) => typeof event !== 'string' || !RESEND_EVENT_TYPES.has(event));
    if (invalid.length > 0) return `Invalid event types: ${invalid.join(', ')}`;
  }
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') return '`status` must be `enabled` or `disabled`.';
  return undefined;
}

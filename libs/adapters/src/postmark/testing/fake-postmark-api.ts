import { type FakeApiAnswer, type FakeApiCall, FakeProviderApi } from '../../shared/testing/fake-provider-api';

/** A webhook's triggers and the options each takes (https://postmarkapp.com/developer/api/webhooks-api). */
const TRIGGER_OPTIONS: Record<string, readonly string[]> = {
  Open: ['Enabled', 'PostFirstOpenOnly'],
  Click: ['Enabled'],
  Delivery: ['Enabled'],
  Bounce: ['Enabled', 'IncludeContent'],
  SpamComplaint: ['Enabled', 'IncludeContent'],
  SubscriptionChange: ['Enabled'],
};
const MESSAGE_STREAMS = ['outbound', 'broadcast'];

export interface FakePostmarkWebhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth: { Username: string; Password: string } | null;
  HttpHeaders: Array<{ Name: string; Value: string }>;
  Triggers: Record<string, Record<string, boolean>>;
}

type JsonBody = Record<string, unknown>;

/**
 * Postmark's Webhooks API for tests (https://postmarkapp.com/developer/api/webhooks-api): one
 * server per token given (`X-Postmark-Server-Token`), JSON in and out (`Accept` and
 * `Content-Type: application/json`), errors as `{ErrorCode, Message}` (10: bad token, 402:
 * invalid JSON; other codes are not modelled and answer 1).
 */
export class FakePostmarkApi extends FakeProviderApi {
  private readonly servers = new Map<string, Map<number, FakePostmarkWebhook>>();
  private nextId = 1000;

  constructor(serverTokens: readonly string[]) {
    super();
    for (const token of serverTokens) this.servers.set(token, new Map());
  }

  webhooks(serverToken: string): FakePostmarkWebhook[] {
    return [...(this.servers.get(serverToken)?.values() ?? [])];
  }

  /** A webhook made outside the gateway (in Postmark's console, or an attempt whose answer was lost). */
  addWebhook(serverToken: string, fields: JsonBody): FakePostmarkWebhook {
    const webhooks = this.servers.get(serverToken);
    if (!webhooks) throw new Error(`no fake Postmark server for ${serverToken}`);
    const webhook = this.newWebhook({ MessageStream: 'outbound', ...fields });
    webhooks.set(webhook.ID, webhook);
    return webhook;
  }

  protected errorBody(status: number, message: string): unknown {
    return { ErrorCode: status === 401 ? 10 : 1, Message: message };
  }

  protected answer(call: FakeApiCall): FakeApiAnswer {
    const token = call.headers['x-postmark-server-token'];
    if (typeof token !== 'string' || token === '')
      return this.refusal(
        401,
        'No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.',
      );
    const webhooks = this.servers.get(token);
    if (!webhooks)
      return this.refusal(
        401,
        'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.',
      );
    if (!(call.headers.accept ?? '').includes('application/json')) return this.refusal(406, 'The Accept header must be application/json.');
    if ((call.method === 'POST' || call.method === 'PUT') && (call.contentType !== 'application/json' || call.json === undefined))
      return { status: 422, body: { ErrorCode: 402, Message: 'Invalid JSON' } };

    if (call.path === '/webhooks' && call.method === 'GET') {
      const stream = call.query.get('MessageStream');
      return {
        status: 200,
        body: { Webhooks: [...webhooks.values()].filter((webhook) => stream === null || webhook.MessageStream === stream) },
      };
    }
    if (call.path === '/webhooks' && call.method === 'POST') {
      const problem = fieldsProblem(call.json, true);
      if (problem) return this.refusal(422, problem);
      const webhook = this.newWebhook(call.json as JsonBody);
      webhooks.set(webhook.ID, webhook);
      return { status: 200, body: webhook };
    }
    const id = Number(/^\/webhooks\/(\d+)$/.exec(call.path)?.[1]);
    const webhook = webhooks.get(id);
    if (!webhook) return this.refusal(422, 'The webhook was not found.');
    switch (call.method) {
      case 'GET':
        return { status: 200, body: webhook };
      case 'PUT': {
        const problem = fieldsProblem(call.json, false);
        if (problem) return this.refusal(422, problem);
        Object.assign(webhook, editedFields(webhook, call.json as JsonBody));
        return { status: 200, body: webhook };
      }
      case 'DELETE':
        webhooks.delete(id);
        return { status: 200, body: { ErrorCode: 0, Message: `Webhook ${id} removed.` } };
      default:
        return this.refusal(405, 'The method is not allowed.');
    }
  }

  private newWebhook(fields: JsonBody): FakePostmarkWebhook {
    const off = Object.fromEntries(Object.keys(TRIGGER_OPTIONS).map((trigger) => [trigger, { Enabled: false }]));
    const base: FakePostmarkWebhook = {
      ID: (this.nextId += 1),
      Url: '',
      MessageStream: typeof fields.MessageStream === 'string' ? fields.MessageStream : 'outbound',
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: off,
    };
    return { ...base, ...editedFields(base, fields) };
  }
}

function editedFields(webhook: FakePostmarkWebhook, fields: JsonBody): Partial<FakePostmarkWebhook> {
  const edited: Partial<FakePostmarkWebhook> = {};
  if (typeof fields.Url === 'string') edited.Url = fields.Url;
  if (fields.HttpAuth !== undefined) edited.HttpAuth = fields.HttpAuth as FakePostmarkWebhook['HttpAuth'];
  if (fields.HttpHeaders !== undefined) edited.HttpHeaders = fields.HttpHeaders as FakePostmarkWebhook['HttpHeaders'];
  if (fields.Triggers !== undefined) {
    const triggers = fields.Triggers as FakePostmarkWebhook['Triggers'];
    edited.Triggers = Object.fromEntries(
      Object.entries(webhook.Triggers).map(([name, options]) => [name, { ...options, ...(triggers[name] ?? {}) }]),
    );
  }
  return edited;
}

/** What Postmark would say of a create or edit body, or undefined when it is fine. */
function fieldsProblem(body: unknown, creating: boolean): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The request body must be a JSON object.';
  const fields = body as JsonBody;
  const allowed = ['Url', 'HttpAuth', 'HttpHeaders', 'Triggers', ...(creating ? ['MessageStream'] : [])];
  const unknown = Object.keys(fields).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `Unexpected field(s): ${unknown.join(', ')}.`;
  if ((creating || fields.Url !== undefined) && (typeof fields.Url !== 'string' || !/^https?:\/\/[^/\s]+/.test(fields.Url)))
    return 'Url must be a valid http(s) URL.';
  if (fields.MessageStream !== undefined && !MESSAGE_STREAMS.includes(String(fields.MessageStream)))
    return `The message stream '${String(fields.MessageStream)}' was not found.`;
  if (fields.HttpAuth !== undefined) {
    const auth = fields.HttpAuth as JsonBody | null;
    if (typeof auth !== 'object' || auth === null || typeof auth.Username !== 'string' || typeof auth.Password !== 'string')
      return 'HttpAuth must have a Username and a Password.';
  }
  if (fields.Triggers !== undefined) {
    if (typeof fields.Triggers !== 'object' || fields.Triggers === null) return 'Triggers must be an object.';
    for (const [trigger, options] of Object.entries(fields.Triggers as JsonBody)) {
      const known = TRIGGER_OPTIONS[trigger];
      if (!known) return `Unknown trigger '${trigger}'.`;
      if (typeof options !== 'object' || options === null) return `Trigger '${trigger}' must be an object.`;
      for (const [option, value] of Object.entries(options as JsonBody)) {
        if (!known.includes(option) || typeof value !== 'boolean') return `Trigger '${trigger}' takes ${known.join(', ')} as booleans.`;
      }
    }
  }
  return undefined;
}

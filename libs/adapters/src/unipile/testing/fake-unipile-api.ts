import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Unipile's v1 webhook API over real HTTP (test traffic only): list, create and delete
 * answer with the bodies the reference documents (unipile.types.ts has the links), `X-API-KEY` is checked,
 * every call is recorded. Test hooks change its state the way another tool (or a person in Unipile's
 * dashboard) would, and `deliver` plays Unipile calling a webhook. What the reference leaves open is marked.
 */

export interface FakeUnipileAccount {
  id: string;
  name?: string;
  type: string;
}

export interface FakeUnipileWebhook {
  object: 'Webhook';
  id: string;
  account_ids: FakeUnipileAccount[];
  enabled: boolean;
  name?: string;
  request_url: string;
  format: 'json' | 'form';
  headers: Array<{ key: string; value: string }>;
  data: unknown[];
  events: string[];
  source: string;
  type: 'AUTO';
}

export interface FakeUnipileCall {
  method: string;
  path: string;
  apiKey: string | undefined;
  body: unknown;
}

export interface FakeUnipileAnswer {
  status: number;
  body: unknown;
}

/** Unipile's 401 for an unknown key, as its reference lists it. */
export const UNIPILE_INVALID_CREDENTIALS: FakeUnipileAnswer = {
  status: 401,
  body: { status: 401, type: 'errors/invalid_credentials', title: 'Invalid credentials', detail: 'The provided credentials are invalid.' },
};

const MISSING_CREDENTIALS: FakeUnipileAnswer = {
  status: 401,
  body: {
    status: 401,
    type: 'errors/missing_credentials',
    title: 'Missing credentials',
    detail: 'Some credentials are necessary to perform the request.',
  },
};

const invalidParameters = (detail: string): FakeUnipileAnswer => ({
  status: 400,
  body: { status: 400, type: 'errors/invalid_parameters', title: 'Invalid parameters', detail },
});

const SOURCES = ['messaging', 'users', 'account_status', 'email', 'email_tracking', 'calendar_event'];
// Not documented: which events a messaging webhook created without `events` gets. Every messaging event here.
const MESSAGING_EVENTS = ['message_received', 'message_read', 'message_reaction', 'message_edited', 'message_deleted'];

/** A Unipile-shaped id (22 characters of base64url). */
const newId = () => randomBytes(16).toString('base64url');

function isHeaderList(value: unknown): value is Array<{ key: string; value: string }> {
  return (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'object' && item !== null && typeof item.key === 'string' && typeof item.value === 'string')
  );
}

export interface FakeUnipileOptions {
  apiKey?: string;
  accounts?: FakeUnipileAccount[];
  /** The most items a list page holds, below the caller's `limit` (to make pagination happen). */
  pageSize?: number;
}

export class FakeUnipileApi {
  readonly apiKey: string;
  readonly accounts: FakeUnipileAccount[];
  readonly calls: FakeUnipileCall[] = [];
  /** Milliseconds every answer waits before the call is handled (widens the window between a list and a create). */
  delayMs = 0;
  private readonly webhooks: FakeUnipileWebhook[] = [];
  private readonly pageSize: number;
  private refusals: Array<{ answer: FakeUnipileAnswer; method?: string }> = [];
  private refuseEverything: FakeUnipileAnswer | undefined;
  private listGate: { count: number; timeoutMs: number; waiting: Array<() => void>; timer?: NodeJS.Timeout } | undefined;
  private server?: Server;
  url = '';

  constructor(options: FakeUnipileOptions = {}) {
    this.apiKey = options.apiKey ?? `fake-unipile-${randomBytes(12).toString('base64url')}`;
    this.accounts = options.accounts ?? [{ id: 'dfXlh46vQYCsMbVarumWlg', name: 'Kim Unipile', type: 'LINKEDIN' }];
    this.pageSize = options.pageSize ?? 250;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next call (of this method, when given) gets this answer and changes nothing. */
  refuseNext(answer: FakeUnipileAnswer = UNIPILE_INVALID_CREDENTIALS, method?: 'GET' | 'POST' | 'DELETE'): void {
    this.refusals.push({ answer, method });
  }

  /** Every call gets this answer until `acceptAgain`. */
  refuseAll(answer: FakeUnipileAnswer = UNIPILE_INVALID_CREDENTIALS): void {
    this.refuseEverything = answer;
  }

  acceptAgain(): void {
    this.refuseEverything = undefined;
    this.refusals = [];
  }

  /** The webhooks whose request_url is this URL, as the list shows them. */
  webhooksFor(url: string): FakeUnipileWebhook[] {
    return this.webhooks.filter((webhook) => webhook.request_url === url).map((webhook) => structuredClone(webhook));
  }

  allWebhooks(): FakeUnipileWebhook[] {
    return this.webhooks.map((webhook) => structuredClone(webhook));
  }

  /** A webhook made outside the gateway (another tool, the dashboard); returns its id. */
  inject(webhook: Partial<FakeUnipileWebhook> & { request_url: string }): string {
    const id = webhook.id ?? newId();
    this.webhooks.push({
      object: 'Webhook',
      account_ids: [],
      enabled: true,
      format: 'json',
      headers: [],
      data: [],
      events: MESSAGING_EVENTS,
      source: 'messaging',
      type: 'AUTO',
      ...webhook,
      id,
    });
    return id;
  }

  /** Someone changed a webhook in Unipile's dashboard. */
  edit(id: string, change: Partial<Omit<FakeUnipileWebhook, 'id'>>): void {
    const webhook = this.webhooks.find((candidate) => candidate.id === id);
    if (!webhook) throw new Error(`no webhook ${id}`);
    Object.assign(webhook, change);
  }

  /**
   * Holds list calls until `count` of them wait together, or `timeoutMs` after the first, then lets them all through at
   * once (and every call after, until armed again): callers that could race list the same state at the same moment.
   */
  gateLists(count: number, timeoutMs: number): void {
    this.openListGate();
    this.listGate = { count, timeoutMs, waiting: [] };
  }

  private openListGate(): void {
    const gate = this.listGate;
    this.listGate = undefined;
    if (!gate) return;
    if (gate.timer) clearTimeout(gate.timer);
    for (const release of gate.waiting) release();
  }

  private async passListGate(): Promise<void> {
    const gate = this.listGate;
    if (!gate) return;
    const passed = new Promise<void>((resolve) => gate.waiting.push(resolve));
    if (gate.waiting.length >= gate.count) this.openListGate();
    else if (gate.waiting.length === 1) gate.timer = setTimeout(() => this.openListGate(), gate.timeoutMs);
    await passed;
  }

  /** Forgets every webhook and every recorded call, and opens the list gate. */
  reset(): void {
    this.webhooks.length = 0;
    this.calls.length = 0;
    this.openListGate();
    this.acceptAgain();
  }

  callsOf(method: string, path = '/api/v1/webhooks'): FakeUnipileCall[] {
    return this.calls.filter((call) => call.method === method && call.path.split('?')[0].startsWith(path));
  }

  /**
   * Unipile calling a webhook: POSTs the body to its request_url (or the same path under `origin`, when the public URL
   * does not reach the gateway from here) with the headers the webhook was created with, and nothing else.
   */
  async deliver(webhook: FakeUnipileWebhook, body: string, origin?: string): Promise<Response> {
    const target = origin === undefined ? webhook.request_url : `${origin.replace(/\/+$/, '')}${new URL(webhook.request_url).pathname}`;
    return fetch(target, { method: 'POST', body, headers: Object.fromEntries(webhook.headers.map(({ key, value }) => [key, value])) });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += (chunk as Buffer).toString();
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return answer(400, invalidParameters('The request body is not valid JSON.').body);
    }
    const path = request.url ?? '/';
    const apiKey = request.headers['x-api-key'];
    this.calls.push({ method: request.method ?? '', path, apiKey: typeof apiKey === 'string' ? apiKey : undefined, body });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (request.method === 'GET' && path.split('?')[0] === '/api/v1/webhooks') await this.passListGate();
    const next = this.refusals.findIndex((refusal) => refusal.method === undefined || refusal.method === request.method);
    const refusal = next === -1 ? this.refuseEverything : this.refusals.splice(next, 1)[0].answer;
    if (refusal) return answer(refusal.status, refusal.body);
    if (apiKey === undefined || apiKey === '') return answer(MISSING_CREDENTIALS.status, MISSING_CREDENTIALS.body);
    if (apiKey !== this.apiKey) return answer(UNIPILE_INVALID_CREDENTIALS.status, UNIPILE_INVALID_CREDENTIALS.body);
    const { status, body: result } = this.route(request.method ?? '', new URL(path, 'http://fake'), body);
    answer(status, result);
  }

  private route(method: string, url: URL, body: unknown): FakeUnipileAnswer {
    if (url.pathname === '/api/v1/webhooks' && method === 'GET') return this.list(url.searchParams);
    if (url.pathname === '/api/v1/webhooks' && method === 'POST') return this.create(body);
    const one = /^\/api\/v1\/webhooks\/([^/]+)$/.exec(url.pathname);
    if (one && method === 'DELETE') return this.remove(decodeURIComponent(one[1]));
    return { status: 404, body: { status: 404, type: 'errors/resource_not_found', title: 'Resource not found.' } };
  }

  private list(query: URLSearchParams): FakeUnipileAnswer {
    const limit = query.has('limit') ? Number(query.get('limit')) : 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) return invalidParameters('limit must be an integer from 1 to 250.');
    const start = query.has('cursor') ? Number(Buffer.from(query.get('cursor') ?? '', 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) return invalidParameters('cursor is invalid.');
    const end = start + Math.min(limit, this.pageSize);
    return {
      status: 200,
      body: {
        object: 'WebhookList',
        items: this.webhooks.slice(start, end).map((webhook) => structuredClone(webhook)),
        cursor: end < this.webhooks.length ? Buffer.from(String(end)).toString('base64url') : null,
      },
    };
  }

  private create(body: unknown): FakeUnipileAnswer {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof input.request_url !== 'string' || input.request_url === '') return invalidParameters('request_url is required.');
    if (typeof input.source !== 'string' || !SOURCES.includes(input.source)) return invalidParameters('source is invalid.');
    if (input.headers !== undefined && !isHeaderList(input.headers)) return invalidParameters('headers must be a list of {key, value}.');
    if (input.format !== undefined && input.format !== 'json' && input.format !== 'form') return invalidParameters('format is invalid.');
    const accountIds = input.account_ids ?? [];
    if (!Array.isArray(accountIds)) return invalidParameters('account_ids must be a list.');
    const accounts = accountIds.map((id) => this.accounts.find((account) => account.id === id));
    if (accounts.some((account) => account === undefined)) return invalidParameters('account_ids names an unknown account.');
    // Not documented: what the list shows for a webhook made without account_ids (it covers every account). No account here.
    const id = this.inject({
      request_url: input.request_url,
      name: typeof input.name === 'string' ? input.name : undefined,
      source: input.source,
      format: input.format === 'form' ? 'form' : 'json',
      headers: (input.headers as Array<{ key: string; value: string }> | undefined) ?? [],
      enabled: input.enabled !== false,
      account_ids: accounts as FakeUnipileAccount[],
      events: Array.isArray(input.events) ? input.events.map(String) : MESSAGING_EVENTS,
    });
    return { status: 201, body: { object: 'WebhookCreated', webhook_id: id } };
  }

  private remove(id: string): FakeUnipileAnswer {
    const index = this.webhooks.findIndex((webhook) => webhook.id === id);
    if (index === -1) return { status: 404, body: { status: 404, type: 'errors/resource_not_found', title: 'Resource not found.' } };
    this.webhooks.splice(index, 1);
    return { status: 200, body: { object: 'WebhookDeleted' } };
  }
}

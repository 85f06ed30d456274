import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from './fake-provider-api';

/**
 * A local stand-in for the Graph API's app subscriptions edge (real HTTP), checking calls as Meta would: a version in
 * the path, the app's access token (Bearer header or `access_token` parameter), `object`, an https `callback_url`,
 * `verify_token` and `fields` known for the object. Like Meta it verifies the callback before subscribing: a GET with
 * `hub.mode=subscribe`, the verify token and a challenge, which must come back as the whole body of a 200.
 * Refusals in Graph's error shape. A POST for an object already subscribed sets its callback URL and verify token and
 * adds the fields.
 *   https://developers.facebook.com/docs/graph-api/reference/app/subscriptions
 *   https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 *   https://developers.facebook.com/docs/graph-api/guides/error-handling
 */

export interface FakeGraphCall {
  method: string;
  path: string;
  appId: string;
  params: Record<string, string>;
}

/** One verification request the fake made, and what it got back. */
export interface FakeGraphHandshake {
  callbackUrl: string;
  verifyToken: string;
  challenge: string;
  status: number;
  body: string;
}

export interface FakeGraphSubscription {
  callback_url: string;
  verify_token: string;
  fields: string[];
  active: boolean;
}

interface GraphRefusal {
  status: number;
  code: number;
  type: string;
  message: string;
}

/** The fields each object offers that the channels use, and a few neighbours, so a misspelt one is refused. */
const OBJECT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  whatsapp_business_account: ['messages', 'message_template_status_update', 'account_update', 'phone_number_quality_update'],
  page: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads', 'message_echoes', 'messaging_optins', 'feed'],
};

const SUBSCRIPTIONS_PATH = /^\/(v\d+\.\d+)\/(\d+)\/subscriptions$/;

/** Form or JSON bodies, as Graph takes both; lists as comma-separated text or a JSON array. */
function parametersOf(request: IncomingMessage, body: string, query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(query);
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  if (type.startsWith('application/json') && body !== '') {
    for (const [key, value] of Object.entries(JSON.parse(body) as Record<string, unknown>)) {
      params[key] = Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  return params;
}

export interface FakeGraphApiOptions {
  /** Where the fake actually sends a verification request for a public callback URL (a tunnel to a local gateway). */
  reachCallback?: (callbackUrl: string) => string;
}

export class FakeGraphApi {
  readonly calls: FakeGraphCall[] = [];
  readonly handshakes: FakeGraphHandshake[] = [];
  url = '';
  private readonly appTokens = new Map<string, string>();
  private readonly subscriptions = new Map<string, Map<string, FakeGraphSubscription>>();
  private refusal?: GraphRefusal;
  private server?: Server;

  constructor(private readonly options: FakeGraphApiOptions = {}) {}

  addApp(appId: string, appAccessToken: string): void {
    this.appTokens.set(appId, appAccessToken);
    if (!this.subscriptions.has(appId)) this.subscriptions.set(appId, new Map());
  }

  /** A subscription made elsewhere (the App Dashboard, another tool). */
  setSubscription(appId: string, object: string, subscription: FakeGraphSubscription): void {
    this.subscriptions.get(appId)?.set(object, { ...subscription, fields: [...subscription.fields] });
  }

  subscription(appId: string, object: string): FakeGraphSubscription | undefined {
    const subscription = this.subscriptions.get(appId)?.get(object);
    return subscription && { ...subscription, fields: [...subscription.fields] };
  }

  /** The next subscription POST is refused with this message, in Graph's error shape. */
  refuseNextSubscribe(message: string, code = 100): void {
    this.refusal = { status: 400, code, type: 'OAuthException', message };
  }

  callsOf(method: string): FakeGraphCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      readRequestBody(request)
        .then((body) => this.handle(request, body, response))
        .catch(() => this.refuse(response, { status: 500, code: 1, type: 'OAuthException', message: 'An unknown error has occurred.' }));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, body: string, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const path = SUBSCRIPTIONS_PATH.exec(url.pathname);
    if (!path) {
      return this.refuse(response, { status: 400, code: 2500, type: 'OAuthException', message: 'Unknown path components' });
    }
    const appId = path[2];
    const params = parametersOf(request, body, url.searchParams);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? params.access_token;
    delete params.access_token;
    this.calls.push({ method, path: url.pathname, appId, params });

    if (token === undefined) {
      return this.refuse(response, {
        status: 400,
        code: 104,
        type: 'OAuthException',
        message: 'An access token is required to request this resource.',
      });
    }
    if (!this.appTokens.has(appId) || this.appTokens.get(appId) !== token) {
      return this.refuse(response, {
        status: 400,
        code: 190,
        type: 'OAuthException',
        message: 'Invalid OAuth access token - Cannot parse access token',
      });
    }
    const subscriptions = this.subscriptions.get(appId) as Map<string, FakeGraphSubscription>;

    if (method === 'GET') {
      const data = [...subscriptions].map(([object, subscription]) => ({
        object,
        callback_url: subscription.callback_url,
        active: subscription.active,
        fields: subscription.fields.map((name) => ({ name, version: path[1] })),
      }));
      return this.answer(response, 200, { data });
    }

    if (method === 'DELETE') {
      if (params.object === undefined) subscriptions.clear();
      else subscriptions.delete(params.object);
      return this.answer(response, 200, { success: true });
    }

    if (method !== 'POST')
      return this.refuse(response, { status: 400, code: 100, type: 'GraphMethodException', message: 'Unsupported method' });
    const invalid = this.invalidSubscription(params);
    if (invalid) return this.refuse(response, invalid);
    if (this.refusal) {
      const refusal = this.refusal;
      this.refusal = undefined;
      return this.refuse(response, refusal);
    }
    const handshake = await this.verifyCallback(params.callback_url, params.verify_token);
    if (handshake.status !== 200 || handshake.body !== handshake.challenge) {
      return this.refuse(response, {
        status: 400,
        code: 2200,
        type: 'OAuthException',
        message: `(#2200) callback verification failed: the callback URL answered HTTP ${handshake.status} without the challenge`,
      });
    }
    const existing = subscriptions.get(params.object);
    const fields = params.fields.split(',').map((field) => field.trim());
    subscriptions.set(params.object, {
      callback_url: params.callback_url,
      verify_token: params.verify_token,
      fields: [...new Set([...(existing?.fields ?? []), ...fields])],
      active: true,
    });
    return this.answer(response, 200, { success: true });
  }

  private invalidSubscription(params: Record<string, string>): GraphRefusal | undefined {
    const refusal = (message: string): GraphRefusal => ({ status: 400, code: 100, type: 'OAuthException', message });
    for (const name of ['object', 'callback_url', 'verify_token', 'fields']) {
      if (!params[name]) return refusal(`(#100) The parameter ${name} is required`);
    }
    const known = OBJECT_FIELDS[params.object];
    if (!known) return refusal(`(#100) Param object must be one of {${Object.keys(OBJECT_FIELDS).join(', ')}}`);
    let callback: URL;
    try {
      callback = new URL(params.callback_url);
    } catch {
      return refusal('(#100) Param callback_url must be a valid URL');
    }
    if (callback.protocol !== 'https:') return refusal('(#100) Param callback_url must be an https URL');
    const unknown = params.fields.split(',').find((field) => !known.includes(field.trim()));
    if (unknown !== undefined) return refusal(`(#100) Invalid field "${unknown}" for object ${params.object}`);
    return undefined;
  }

  private async verifyCallback(callbackUrl: string, verifyToken: string): Promise<FakeGraphHandshake> {
    const challenge = String(randomInt(1, 2 ** 31 - 1));
    const target = new URL((this.options.reachCallback ?? ((url: string) => url))(callbackUrl));
    target.searchParams.set('hub.mode', 'subscribe');
    target.searchParams.set('hub.challenge', challenge);
    target.searchParams.set('hub.verify_token', verifyToken);
    let handshake: FakeGraphHandshake;
    try {
      const answer = await fetch(target, { redirect: 'manual' });
      handshake = { callbackUrl, verifyToken, challenge, status: answer.status, body: await answer.text() };
    } catch {
      handshake = { callbackUrl, verifyToken, challenge, status: 0, body: '' };
    }
    this.handshakes.push(handshake);
    return handshake;
  }

  private refuse(response: ServerResponse, refusal: GraphRefusal): void {
    this.answer(response, refusal.status, {
      error: { message: refusal.message, type: refusal.type, code: refusal.code, fbtrace_id: randomBytes(8).toString('base64url') },
    });
  }

  private answer(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}

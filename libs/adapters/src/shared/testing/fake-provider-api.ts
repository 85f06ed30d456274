import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a fake provider API received, read the way the provider would read it. */
export interface FakeApiCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The media type without parameters, lower-cased; '' when none was sent. */
  contentType: string;
  /** A JSON body that parsed; undefined otherwise. */
  json?: unknown;
  /** A form body (application/x-www-form-urlencoded): every value of each name, in order. */
  form?: Record<string, string[]>;
}

/** A refusal waiting for any call but a GET. */
const CHANGING = 'any change';

export interface FakeApiAnswer {
  status: number;
  body?: unknown;
}

/**
 * A local stand-in for a provider's API, for tests (real HTTP on 127.0.0.1): records every call
 * and answers it as the provider does, refusing what the provider would refuse. `refuseNext`
 * makes the next call of a method fail with the provider's own error shape.
 */
/** A request's whole body as text: what every fake reads before it answers. */
export function readRequestBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export abstract class FakeProviderApi {
  readonly calls: FakeApiCall[] = [];
  url = '';
  private server?: Server;
  private readonly refusals: Array<{ method: string; status: number; message: string }> = [];

  /** The provider's answer to a call (authentication, content type, body and state checked). */
  protected abstract answer(call: FakeApiCall): FakeApiAnswer;

  /** The provider's error body carrying this message. */
  protected abstract errorBody(status: number, message: string): unknown;

  protected refusal(status: number, message: string): FakeApiAnswer {
    return { status, body: this.errorBody(status, message) };
  }

  /** The next call with this method is refused with this message, in the provider's error shape. */
  refuseNext(method: string, message: string, status = 400): void {
    this.refusals.push({ method, status, message });
  }

  /** The next call that would change something (any method but GET) is refused with this message. */
  refuseNextChange(message: string, status = 400): void {
    this.refusals.push({ method: CHANGING, status, message });
  }

  /** The calls that change something at the provider (every method but GET). */
  changingCalls(): FakeApiCall[] {
    return this.calls.filter((call) => call.method !== 'GET');
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      void readRequestBody(request).then((body) => {
        const call = readCall(request.method ?? 'GET', request.url ?? '/', request.headers, body);
        this.calls.push(call);
        let answer: FakeApiAnswer;
        const refusalIndex = this.refusals.findIndex(
          (refusal) => refusal.method === call.method || (refusal.method === CHANGING && call.method !== 'GET'),
        );
        if (refusalIndex >= 0) {
          const [refusal] = this.refusals.splice(refusalIndex, 1);
          answer = this.refusal(refusal.status, refusal.message);
        } else {
          try {
            answer = this.answer(call);
          } catch (error) {
            answer = this.refusal(500, `fake provider API failed: ${(error as Error).message}`);
          }
        }
        const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
        response.writeHead(answer.status, text === '' ? {} : { 'content-type': 'application/json' });
        response.end(text);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readCall(method: string, target: string, headers: IncomingHttpHeaders, text: string): FakeApiCall {
  const { pathname, searchParams } = new URL(target, 'http://fake.invalid');
  const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const call: FakeApiCall = { method, path: pathname, query: searchParams, headers, contentType };
  if (contentType === 'application/json') {
    try {
      call.json = JSON.parse(text) as unknown;
    } catch {
      // left undefined: the fake answers as its provider answers a body that is not JSON
    }
  } else if (contentType === 'application/x-www-form-urlencoded') {
    const form: Record<string, string[]> = {};
    for (const [name, value] of new URLSearchParams(text)) (form[name] ??= []).push(value);
    call.form = form;
  }
  return call;
}

/** The credentials of an `Authorization: Basic …` header, or undefined. */
export function basicCredentials(headers: IncomingHttpHeaders): { username: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
}

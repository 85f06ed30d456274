import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from '../../shared/testing/fake-provider-api';

/**
 * A local stand-in for the two Twilio resources the SMS registration uses (real HTTP, one origin for the 2010 API and
 * Messaging v1, as `twilioProductOrigin` expects of a non-Twilio host). It checks calls as Twilio would: HTTP Basic with
 * the account's SID and current Auth Token, form-encoded bodies, known parameters with valid values, resources of the
 * calling account; refusals in Twilio's JSON error shape. Stricter than Twilio in one way: an unknown parameter is
 * refused, so a misspelt one fails a spec instead of being ignored.
 *   https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
 *   https://www.twilio.com/docs/messaging/api/service-resource
 *   https://www.twilio.com/docs/usage/twilios-response
 */

export interface FakeTwilioCall {
  method: string;
  path: string;
  /** The user of the Basic credentials. */
  accountSid: string;
  form: Record<string, string>;
}

export interface FakeIncomingPhoneNumber {
  sid: string;
  account_sid: string;
  phone_number: string;
  sms_url: string;
  sms_method: string;
  sms_application_sid: string | null;
}

export interface FakeMessagingService {
  sid: string;
  account_sid: string;
  friendly_name: string;
  inbound_request_url: string | null;
  inbound_method: string;
  use_inbound_webhook_on_number: boolean;
}

interface TwilioRefusal {
  status: number;
  code: number;
  message: string;
}

const NUMBER_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/IncomingPhoneNumbers\/([^/]+)\.json$/;
const SERVICE_PATH = /^\/v1\/Services\/([^/]+)$/;
const NUMBER_PARAMETERS = new Set(['SmsUrl', 'SmsMethod', 'SmsFallbackUrl', 'SmsFallbackMethod', 'FriendlyName']);
const SERVICE_PARAMETERS = new Set(['InboundRequestUrl', 'InboundMethod', 'FallbackUrl', 'FallbackMethod', 'FriendlyName']);

/** An empty value clears a URL; anything else must be an absolute http(s) URL. */
function isUrlValue(value: string): boolean {
  if (value === '') return true;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export class FakeTwilioApi {
  readonly calls: FakeTwilioCall[] = [];
  url = '';
  private readonly authTokens = new Map<string, string>();
  private readonly numbers = new Map<string, FakeIncomingPhoneNumber>();
  private readonly services = new Map<string, FakeMessagingService>();
  private refusal?: TwilioRefusal;
  private server?: Server;

  addAccount(accountSid: string, authToken: string): void {
    this.authTokens.set(accountSid, authToken);
  }

  /** As when the secondary token is promoted: the old one stops working at once. */
  changeAuthToken(accountSid: string, authToken: string): void {
    this.authTokens.set(accountSid, authToken);
  }

  addPhoneNumber(accountSid: string, sid: string, settings: Partial<FakeIncomingPhoneNumber> = {}): void {
    this.numbers.set(sid, {
      sid,
      account_sid: accountSid,
      phone_number: '+15005550006',
      sms_url: '',
      sms_method: 'POST',
      sms_application_sid: null,
      ...settings,
    });
  }

  addMessagingService(accountSid: string, sid: string, settings: Partial<FakeMessagingService> = {}): void {
    this.services.set(sid, {
      sid,
      account_sid: accountSid,
      friendly_name: 'Inbound',
      inbound_request_url: null,
      inbound_method: 'POST',
      use_inbound_webhook_on_number: false,
      ...settings,
    });
  }

  phoneNumber(sid: string): FakeIncomingPhoneNumber | undefined {
    const number = this.numbers.get(sid);
    return number && { ...number };
  }

  messagingService(sid: string): FakeMessagingService | undefined {
    const service = this.services.get(sid);
    return service && { ...service };
  }

  /** The next write (POST) is refused with this error, as Twilio words them. */
  refuseNextWrite(message: string, code = 21606, status = 400): void {
    this.refusal = { status, code, message };
  }

  writes(): FakeTwilioCall[] {
    return this.calls.filter((call) => call.method === 'POST');
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      readRequestBody(request)
        .then((body) => this.handle(request, body, response))
        .catch(() => this.answer(response, 500, { code: 20500, message: 'Internal Server Error', status: 500 }));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(request: IncomingMessage, body: string, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const method = request.method ?? 'GET';
    const accountSid = this.authenticatedAccount(request.headers.authorization);
    if (accountSid === undefined) return this.refuse(response, { status: 401, code: 20003, message: 'Authenticate' });

    let form: Record<string, string> = {};
    if (method === 'POST') {
      if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return this.refuse(response, { status: 400, code: 20001, message: 'Request body must be form-encoded' });
      }
      form = Object.fromEntries(new URLSearchParams(body));
    }
    this.calls.push({ method, path, accountSid, form });

    const numberPath = NUMBER_PATH.exec(path);
    if (numberPath) {
      const [, pathAccount, sid] = numberPath;
      const number = this.numbers.get(sid);
      if (pathAccount !== accountSid) return this.refuse(response, { status: 403, code: 20003, message: 'Authenticate' });
      if (!number || number.account_sid !== accountSid) return this.notFound(response, path);
      if (method === 'GET') return this.answer(response, 200, this.numberResource(number));
      if (method !== 'POST') return this.refuse(response, { status: 405, code: 20004, message: 'Method not allowed' });
      const invalid = this.invalidParameter(form, NUMBER_PARAMETERS, ['SmsUrl', 'SmsFallbackUrl'], ['SmsMethod', 'SmsFallbackMethod']);
      if (invalid) return this.refuse(response, invalid);
      if (this.takeRefusal(response)) return;
      if (form.SmsUrl !== undefined) number.sms_url = form.SmsUrl;
      if (form.SmsMethod !== undefined) number.sms_method = form.SmsMethod;
      return this.answer(response, 200, this.numberResource(number));
    }

    const servicePath = SERVICE_PATH.exec(path);
    if (servicePath) {
      const service = this.services.get(servicePath[1]);
      if (!service || service.account_sid !== accountSid) return this.notFound(response, path);
      if (method === 'GET') return this.answer(response, 200, this.serviceResource(service));
      if (method !== 'POST') return this.refuse(response, { status: 405, code: 20004, message: 'Method not allowed' });
      const invalid = this.invalidParameter(
        form,
        SERVICE_PARAMETERS,
        ['InboundRequestUrl', 'FallbackUrl'],
        ['InboundMethod', 'FallbackMethod'],
      );
      if (invalid) return this.refuse(response, invalid);
      if (this.takeRefusal(response)) return;
      // Twilio reports a cleared URL as null.
      if (form.InboundRequestUrl !== undefined) service.inbound_request_url = form.InboundRequestUrl === '' ? null : form.InboundRequestUrl;
      if (form.InboundMethod !== undefined) service.inbound_method = form.InboundMethod;
      return this.answer(response, 200, this.serviceResource(service));
    }
    return this.notFound(response, path);
  }

  private authenticatedAccount(header: string | undefined): string | undefined {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const [user, password] = [decoded.slice(0, separator), decoded.slice(separator + 1)];
    return separator > 0 && this.authTokens.get(user) === password ? user : undefined;
  }

  private invalidParameter(
    form: Record<string, string>,
    known: ReadonlySet<string>,
    urls: readonly string[],
    methods: readonly string[],
  ): TwilioRefusal | undefined {
    for (const [name, value] of Object.entries(form)) {
      if (!known.has(name)) return { status: 400, code: 20001, message: `Unknown parameter ${name}` };
      if (urls.includes(name) && !isUrlValue(value)) return { status: 400, code: 21502, message: `${name} is not valid` };
      if (methods.includes(name) && !['GET', 'POST'].includes(value)) return { status: 400, code: 21503, message: `${name} is not valid` };
    }
    return undefined;
  }

  private takeRefusal(response: ServerResponse): boolean {
    const refusal = this.refusal;
    if (!refusal) return false;
    this.refusal = undefined;
    this.refuse(response, refusal);
    return true;
  }

  private numberResource(number: FakeIncomingPhoneNumber) {
    return { ...number, uri: `/2010-04-01/Accounts/${number.account_sid}/IncomingPhoneNumbers/${number.sid}.json` };
  }

  private serviceResource(service: FakeMessagingService) {
    return { ...service, url: `https://messaging.twilio.com/v1/Services/${service.sid}` };
  }

  private notFound(response: ServerResponse, path: string): void {
    this.refuse(response, { status: 404, code: 20404, message: `The requested resource ${path} was not found` });
  }

  private refuse(response: ServerResponse, refusal: TwilioRefusal): void {
    this.answer(response, refusal.status, {
      code: refusal.code,
      message: refusal.message,
      more_info: `https://www.twilio.com/docs/errors/${refusal.code}`,
      status: refusal.status,
    });
  }

  private answer(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}

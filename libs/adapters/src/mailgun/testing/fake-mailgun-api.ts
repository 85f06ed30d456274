import { randomBytes } from 'node:crypto';
import { basicCredentials, type FakeApiAnswer, type FakeApiCall, FakeProviderApi } from '../../shared/testing/fake-provider-api';

/** Mailgun's webhook types (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/domain-webhooks). */
const WEBHOOK_TYPES = new Set([
  'accepted',
  'clicked',
  'opened',
  'unsubscribed',
  'delivered',
  'permanent_fail',
  'temporary_fail',
  'complained',
]);
/** Mailgun keeps at most this many URLs per webhook type. */
const MAX_URLS = 3;

interface FakeMailgunAccount {
  signingKey: string;
  /** Per domain, the URLs of each webhook type. */
  domains: Map<string, Map<string, string[]>>;
}

/**
 * Mailgun's domain webhooks and account signing key for tests: one account per API key given
 * (HTTP Basic, user `api`), each with its domains; form bodies (`id`, `url` repeated, at most 3
 * URLs a type); errors as `{message}`. Each account has its own HTTP webhook signing key.
 */
export class FakeMailgunApi extends FakeProviderApi {
  private readonly accounts = new Map<string, FakeMailgunAccount>();

  constructor(accounts: ReadonlyArray<{ apiKey: string; domains: readonly string[] }>) {
    super();
    for (const { apiKey, domains } of accounts) {
      this.accounts.set(apiKey, {
        signingKey: randomBytes(16).toString('hex'),
        domains: new Map(domains.map((domain) => [domain, new Map<string, string[]>()])),
      });
    }
  }

  signingKeyOf(apiKey: string): string {
    return this.account(apiKey).signingKey;
  }

  /** Each webhook type of the domain with its URLs. */
  webhooksOf(apiKey: string, domain: string): Map<string, string[]> {
    const webhooks = this.account(apiKey).domains.get(domain);
    if (!webhooks) throw new Error(`no fake Mailgun domain ${domain}`);
    return webhooks;
  }

  /** The types whose URLs include this one. */
  typesWith(apiKey: string, domain: string, url: string): string[] {
    return [...this.webhooksOf(apiKey, domain)].filter(([, urls]) => urls.includes(url)).map(([type]) => type);
  }

  protected errorBody(_status: number, message: string): unknown {
    return { message };
  }

  protected answer(call: FakeApiCall): FakeApiAnswer {
    const credentials = basicCredentials(call.headers);
    const account = credentials?.username === 'api' ? this.accounts.get(credentials.password) : undefined;
    if (!account) return this.refusal(401, 'Invalid private key');
    if (call.path === '/v5/accounts/http_signing_key' && call.method === 'GET')
      return { status: 200, body: { http_signing_key: account.signingKey } };

    const match = /^\/v3\/domains\/([^/]+)\/webhooks(?:\/([^/]+))?$/.exec(call.path);
    if (!match) return this.refusal(404, 'Not Found');
    const webhooks = account.domains.get(decodeURIComponent(match[1]));
    if (!webhooks) return this.refusal(404, 'Domain not found');
    if ((call.method === 'POST' || call.method === 'PUT') && call.form === undefined)
      return this.refusal(400, 'expected a form body (application/x-www-form-urlencoded)');
    const type = match[2] === undefined ? undefined : decodeURIComponent(match[2]);

    if (type === undefined && call.method === 'GET')
      return { status: 200, body: { webhooks: Object.fromEntries([...webhooks].map(([name, urls]) => [name, { urls }])) } };
    if (type === undefined && call.method === 'POST') {
      const id = call.form?.id?.[0];
      if (!id || !WEBHOOK_TYPES.has(id)) return this.refusal(400, `Invalid webhook type: ${id ?? ''}`);
      if (webhooks.has(id)) return this.refusal(400, 'Webhook already exists');
      const problem = urlsProblem(call.form?.url);
      if (problem) return this.refusal(400, problem);
      webhooks.set(id, [...(call.form?.url ?? [])]);
      return { status: 200, body: { message: 'Webhook has been created', webhook: { urls: webhooks.get(id) } } };
    }
    if (type === undefined) return this.refusal(405, 'Method Not Allowed');
    const urls = webhooks.get(type);
    if (!urls) return this.refusal(404, 'Webhook not found');
    switch (call.method) {
      case 'GET':
        return { status: 200, body: { webhook: { urls } } };
      case 'PUT': {
        const problem = urlsProblem(call.form?.url);
        if (problem) return this.refusal(400, problem);
        webhooks.set(type, [...(call.form?.url ?? [])]);
        return { status: 200, body: { message: 'Webhook has been updated', webhook: { urls: webhooks.get(type) } } };
      }
      case 'DELETE':
        webhooks.delete(type);
        return { status: 200, body: { message: 'Webhook has been deleted', webhook: { urls } } };
      default:
        return this.refusal(405, 'Method Not Allowed');
    }
  }

  private account(apiKey: string): FakeMailgunAccount {
    const account = this.accounts.get(apiKey);
    if (!account) throw new Error(`no fake Mailgun account for ${apiKey}`);
    return account;
  }
}

function urlsProblem(urls: string[] | undefined): string | undefined {
  if (!urls || urls.length === 0) return 'url is required';
  if (urls.length > MAX_URLS) return `Maximum of ${MAX_URLS} urls for a given webhook type`;
  const invalid = urls.find((url) => !/^https?:\/\/[^/\s]+/.test(url));
  return invalid === undefined ? undefined : `Invalid url: ${invalid}`;
}

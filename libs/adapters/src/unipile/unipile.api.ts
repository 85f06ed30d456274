import type { ProviderAnswer, ProviderHttp } from '../shared/provider-definition';
import { asArray, asUnchecked, booleanValue, stringValue, type Unchecked } from '../shared/payload-value';
import type { UnipileError, UnipileWebhook, UnipileWebhookCreation } from './unipile.types';

// Unipile's v1 webhook routes (unipile.types.ts has the links). The API key travels in a header only:
// no URL built here carries it, so errors may name URLs.

export type UnipileResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The most one list call returns (the reference's bound); more pages follow the cursor. */
const PAGE_SIZE = 250;
/** A cursor that never ends must not keep a registration (and its lock) forever. */
const MAX_PAGES = 40;

/** `HTTP 401 errors/invalid_credentials: Invalid credentials: The provided credentials are invalid.` from Unipile's error body. */
function refusal(answer: ProviderAnswer): string {
  const body = asUnchecked<UnipileError>(answer.data);
  const type = stringValue(body?.type);
  const said = [stringValue(body?.title), stringValue(body?.detail)].filter((part) => part !== undefined && part !== '');
  const status = `HTTP ${answer.status}${type ? ` ${type}` : ''}`;
  return said.length > 0 ? `${status}: ${said.join(': ')}` : status;
}

const succeeded = (answer: ProviderAnswer) => answer.status >= 200 && answer.status < 300;

/** A listed webhook with the fields registration compares; undefined when it lacks an id or URL. */
function webhookFrom(item: unknown): UnipileWebhook | undefined {
  const webhook = asUnchecked<UnipileWebhook>(item);
  const id = stringValue(webhook?.id);
  const requestUrl = stringValue(webhook?.request_url);
  if (!webhook || !id || requestUrl === undefined) return undefined;
  const headers = asArray(webhook.headers).flatMap((header) => {
    const entry = asUnchecked<{ key: string; value: string }>(header);
    const key = stringValue(entry?.key);
    const value = stringValue(entry?.value);
    return key === undefined || value === undefined ? [] : [{ key, value }];
  });
  // Documented as objects `{id, name, type}`; a plain id is read too.
  const accountIds = asArray(webhook.account_ids).flatMap((account) => {
    const accountId = typeof account === 'string' ? account : stringValue(asUnchecked<{ id: string }>(account)?.id);
    return accountId === undefined ? [] : [{ id: accountId }];
  });
  return {
    id,
    request_url: requestUrl,
    name: stringValue(webhook.name),
    enabled: booleanValue(webhook.enabled),
    format: stringValue(webhook.format),
    headers,
    account_ids: accountIds,
  };
}

/** The calls registration makes, over the HTTP client the gateway hands in. */
export class UnipileApi {
  private readonly origin: string;

  constructor(
    origin: string,
    private readonly apiKey: string,
    private readonly http: ProviderHttp,
  ) {
    this.origin = origin.replace(/\/+$/, '');
  }

  /** Every webhook of the Unipile account, following the cursor. */
  async listWebhooks(): Promise<UnipileResult<UnipileWebhook[]>> {
    const webhooks: UnipileWebhook[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = `limit=${PAGE_SIZE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const answer = await this.call('listing the webhooks', { method: 'GET', path: `/api/v1/webhooks?${query}` });
      if (!answer.ok) return answer;
      const list = asUnchecked<{ items: unknown; cursor: unknown }>(answer.value.data);
      if (!list || !Array.isArray(list.items)) return { ok: false, error: 'listing the webhooks: the answer holds no webhook list' };
      for (const item of list.items) {
        const webhook = webhookFrom(item);
        if (webhook) webhooks.push(webhook);
      }
      cursor = stringValue((list as Unchecked<{ cursor: string }>).cursor) || undefined;
      if (cursor === undefined || list.items.length === 0) return { ok: true, value: webhooks };
    }
    return { ok: false, error: `listing the webhooks: still more after ${MAX_PAGES} pages` };
  }

  /** The new webhook's id. */
  async createWebhook(creation: UnipileWebhookCreation): Promise<UnipileResult<string>> {
    const answer = await this.call('creating the webhook', { method: 'POST', path: '/api/v1/webhooks', json: creation });
    if (!answer.ok) return answer;
    const id = stringValue(asUnchecked<{ webhook_id: string }>(answer.value.data)?.webhook_id);
    return id ? { ok: true, value: id } : { ok: false, error: 'creating the webhook: the answer holds no webhook_id' };
  }

  /** `gone`: Unipile no longer has it (deleted meanwhile), which is what was wanted. */
  async deleteWebhook(id: string): Promise<UnipileResult<'deleted' | 'gone'>> {
    const answer = await this.call(`deleting webhook ${id}`, {
      method: 'DELETE',
      path: `/api/v1/webhooks/${encodeURIComponent(id)}`,
      refusalsAnswered: [404],
    });
    if (!answer.ok) return answer;
    return { ok: true, value: answer.value.status === 404 ? 'gone' : 'deleted' };
  }

  private async call(
    what: string,
    request: { method: 'GET' | 'POST' | 'DELETE'; path: string; json?: unknown; refusalsAnswered?: number[] },
  ): Promise<UnipileResult<ProviderAnswer>> {
    let answer: ProviderAnswer;
    try {
      answer = await this.http({
        method: request.method,
        url: `${this.origin}${request.path}`,
        headers: { 'X-API-KEY': this.apiKey },
        json: request.json,
      });
    } catch (error) {
      return {
        ok: false,
        error: `${what}: Unipile could not be reached at ${this.origin}: ${(error as Error)?.message ?? 'unknown error'}`,
      };
    }
    if (succeeded(answer) || request.refusalsAnswered?.includes(answer.status)) return { ok: true, value: answer };
    return { ok: false, error: `${what}: ${refusal(answer)}` };
  }
}

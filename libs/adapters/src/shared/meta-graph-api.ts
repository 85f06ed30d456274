import { apiOrigin, type ProviderAnswer, type ProviderApiAccess, type ProviderRequest } from './provider-definition';

// The Graph API edge that holds an app's webhook subscriptions, one per object type (`page`,
// `whatsapp_business_account`, …): https://developers.facebook.com/docs/graph-api/reference/app/subscriptions
// and https://developers.facebook.com/docs/graph-api/webhooks/subscriptions-edge. Called with the app access token
// as a Bearer header (never in a URL, which logs and error messages may show). A refusal is
// `{"error": {"message", "type", "code", …}}`: https://developers.facebook.com/docs/graph-api/guides/error-handling

/** Every Graph call names this version: moving to another is this one line. */
export const GRAPH_API_VERSION = 'v25.0';

/** Where the Graph API is unless GRAPH_API_BASE_URL says otherwise (tests point it at a fake). */
export const GRAPH_API_ORIGIN = 'https://graph.facebook.com';

export type GraphResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** One object type's subscription as the edge reads it back (the verify token is never shown). */
export interface GraphAppSubscription {
  object: string;
  callback_url: string;
  active: boolean;
  fields: string[];
}

export interface GraphSubscriptionRequest {
  object: string;
  callbackUrl: string;
  verifyToken: string;
  fields: readonly string[];
}

export class MetaGraphApi {
  constructor(
    private readonly api: ProviderApiAccess,
    private readonly appAccessToken: string,
  ) {}

  async appSubscriptions(appId: string): Promise<GraphResult<GraphAppSubscription[]>> {
    const answer = await this.call<{ data?: unknown }>({ method: 'GET', url: this.subscriptionsUrl(appId) });
    if (!answer.ok) return answer;
    const data = Array.isArray(answer.value.data) ? (answer.value.data as Array<Record<string, unknown>>) : [];
    return {
      ok: true,
      value: data.map((item) => ({
        object: String(item.object),
        callback_url: String(item.callback_url ?? ''),
        active: item.active === true,
        // Read back as [{name, version}].
        fields: Array.isArray(item.fields) ? item.fields.map((field) => String((field as { name?: unknown })?.name)) : [],
      })),
    };
  }

  /** Creates or updates the app's subscription for the object; Meta first calls the callback URL to verify it. */
  async subscribeApp(appId: string, subscription: GraphSubscriptionRequest): Promise<GraphResult<true>> {
    const answer = await this.call<{ success?: unknown }>({
      method: 'POST',
      url: this.subscriptionsUrl(appId),
      form: {
        object: subscription.object,
        callback_url: subscription.callbackUrl,
        verify_token: subscription.verifyToken,
        fields: subscription.fields.join(','),
      },
    });
    return answer.ok ? this.succeeded(answer.value) : answer;
  }

  /** Removes the app's whole subscription for the object. */
  async unsubscribeApp(appId: string, object: string): Promise<GraphResult<true>> {
    const answer = await this.call<{ success?: unknown }>({
      method: 'DELETE',
      url: `${this.subscriptionsUrl(appId)}?${new URLSearchParams({ object })}`,
    });
    return answer.ok ? this.succeeded(answer.value) : answer;
  }

  private subscriptionsUrl(appId: string): string {
    return `${new URL(apiOrigin(this.api)).origin}/${GRAPH_API_VERSION}/${encodeURIComponent(appId)}/subscriptions`;
  }

  /** The reference shows `success` as both a boolean and the string "true". */
  private succeeded(value: { success?: unknown }): GraphResult<true> {
    return value.success === true || value.success === 'true'
      ? { ok: true, value: true }
      : { ok: false, error: 'the Graph API did not confirm the change' };
  }

  private async call<T>(request: ProviderRequest): Promise<GraphResult<T>> {
    let answer: ProviderAnswer;
    try {
      answer = await this.api.http({ ...request, headers: { authorization: `Bearer ${this.appAccessToken}` } });
    } catch (error) {
      return { ok: false, error: `the Graph API could not be reached: ${(error as Error)?.message ?? 'unknown error'}` };
    }
    const data = answer.data as { error?: { message?: unknown } } | null;
    const isObject = data !== null && typeof data === 'object';
    if (answer.status >= 200 && answer.status < 300 && isObject && data.error === undefined) return { ok: true, value: data as T };
    const message = isObject && typeof data.error?.message === 'string' ? data.error.message : '';
    return { ok: false, error: message !== '' ? message : `the Graph API answered HTTP ${answer.status}` };
  }
}

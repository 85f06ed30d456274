import { apiOrigin, type ProviderApiAccess, type ProviderRequest } from './provider-definition';

/** A provider API's answer read as a value: what was asked for, or the provider's own words of refusal. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ProviderApiClientOptions {
  /** The provider's name as an operator knows it, for "could not be reached" errors. */
  name: string;
  /** The authentication headers every call carries. */
  headers: Readonly<Record<string, string>>;
  /** The refusal message in the provider's error body, or undefined (the HTTP status is used then). */
  errorMessageOf(data: unknown): string | undefined;
}

/**
 * Calls one provider's API for a webhook registration: any 2xx is the answer's body, anything
 * else the provider's message. Never throws: an unreachable API is an error value too, so a
 * registration ends in a `failed` state rather than a 500.
 */
export class ProviderApiClient {
  private readonly baseUrl: string;

  constructor(
    private readonly api: ProviderApiAccess,
    private readonly options: ProviderApiClientOptions,
  ) {
    this.baseUrl = apiOrigin(api).replace(/\/+$/, '');
  }

  get(path: string): Promise<ApiResult<unknown>> {
    return this.send({ method: 'GET', path });
  }

  delete(path: string): Promise<ApiResult<unknown>> {
    return this.send({ method: 'DELETE', path });
  }

  async send(request: Omit<ProviderRequest, 'url' | 'headers'> & { path: string }): Promise<ApiResult<unknown>> {
    const { path, ...rest } = request;
    let answer;
    try {
      answer = await this.api.http({ ...rest, url: `${this.baseUrl}${path}`, headers: this.options.headers });
    } catch (error) {
      // Transport errors name the host and port at most; the key travels only in headers.
      return { ok: false, error: `${this.options.name} could not be reached: ${(error as Error)?.message ?? 'unknown error'}` };
    }
    if (answer.status >= 200 && answer.status < 300) return { ok: true, value: answer.data };
    return { ok: false, error: this.options.errorMessageOf(answer.data) ?? `${this.options.name} answered HTTP ${answer.status}` };
  }
}

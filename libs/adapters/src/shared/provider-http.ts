import axios from 'axios';
import type { ProviderHttp, ProviderRequest } from './provider-definition';

/** Registration calls wait at most this long: an operator's request is waiting on them. */
const PROVIDER_API_TIMEOUT_MS = 10_000;

function formBody(form: NonNullable<ProviderRequest['form']>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const item of typeof value === 'string' ? [value] : value) body.append(key, item);
  }
  return body;
}

/** The HTTP client provider registrations use: bounded in time and size, every status returned as an answer. */
export function createProviderHttp(): ProviderHttp {
  return async (request) => {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let data: unknown;
    if (request.form !== undefined) {
      data = formBody(request.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (request.json !== undefined) {
      data = request.json;
      headers['content-type'] = 'application/json';
    }
    const response = await axios.request({
      method: request.method,
      url: request.url,
      headers,
      data,
      timeout: PROVIDER_API_TIMEOUT_MS,
      maxContentLength: 1024 * 1024,
      maxRedirects: 0,
      validateStatus: () => true,
    });
    return { status: response.status, data: response.data };
  };
}

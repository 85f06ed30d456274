/**
 * What `AdapterDependencies.httpGetText` rejects with when the server answered with a status
 * other than 2xx, so that an adapter can tell "there is no such thing" (4xx) from "the
 * service did not answer" (a network error, 5xx).
 */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

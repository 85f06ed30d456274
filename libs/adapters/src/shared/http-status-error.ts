/** httpGetText's rejection for a non-2xx answer, so an adapter can tell "no such thing" (4xx) from "no answer". */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

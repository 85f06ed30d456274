import type { Credentials } from './credential-rules';
import type { ApiResult } from './provider-api-client';
import type { RegistrationOutcome } from './provider-definition';

/**
 * A provider's list of webhook endpoints as a registration sees it: ours are those at our URL.
 * `W` is the provider's own record of one endpoint.
 */
export interface WebhookEndpoints<W> {
  list(): Promise<ApiResult<readonly W[]>>;
  isOurs(endpoint: W): boolean;
  /** Whether an endpoint of ours is set up as we would set it (events, auth, enabled). */
  isCurrent(endpoint: W): boolean;
  create(): Promise<ApiResult<W>>;
  /** Sets an endpoint of ours back to what we would create; answers it as it is now. */
  update(endpoint: W): Promise<ApiResult<W>>;
  remove(endpoint: W): Promise<ApiResult<unknown>>;
}

/**
 * Exactly one endpoint of ours, as we would create it: the first one found is kept (and set back
 * if someone edited it), any other at our URL removed, one created only when none exists.
 * Running it again changes nothing at the provider.
 */
export async function ensureOneEndpoint<W>(endpoints: WebhookEndpoints<W>): Promise<ApiResult<W>> {
  const listed = await endpoints.list();
  if (!listed.ok) return listed;
  const [kept, ...duplicates] = listed.value.filter((endpoint) => endpoints.isOurs(endpoint));
  for (const duplicate of duplicates) {
    const removed = await endpoints.remove(duplicate);
    if (!removed.ok) return removed;
  }
  if (kept === undefined) return endpoints.create();
  return endpoints.isCurrent(kept) ? { ok: true, value: kept } : endpoints.update(kept);
}

/** Removes every endpoint at our URL (none found is success: there is nothing left to stop). */
export async function removeOurEndpoints<W>(endpoints: WebhookEndpoints<W>): Promise<{ ok: true } | { ok: false; error: string }> {
  const listed = await endpoints.list();
  if (!listed.ok) return listed;
  for (const endpoint of listed.value.filter((candidate) => endpoints.isOurs(candidate))) {
    const removed = await endpoints.remove(endpoint);
    if (!removed.ok) return removed;
  }
  return { ok: true };
}

/** `registered` with the server-owned values the provider gave back, or `failed` with its message. */
export function registrationOutcome(url: string, result: ApiResult<Credentials>): RegistrationOutcome {
  const at = new Date().toISOString();
  if (!result.ok) return { webhook: { status: 'failed', url, error: result.error, failed_at: at } };
  return { webhook: { status: 'registered', url, registered_at: at }, credentials: result.value };
}

/** Whether two lists hold the same names, in any order. */
export function sameNames(actual: readonly string[] | undefined, expected: readonly string[]): boolean {
  if (actual === undefined) return false;
  const names = new Set(actual);
  return names.size === new Set(expected).size && expected.every((name) => names.has(name));
}

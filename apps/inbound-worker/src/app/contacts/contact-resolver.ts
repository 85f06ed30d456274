import { isUuidText } from '@inbound/contracts';
import axios, { type AxiosInstance } from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ContactLookupSettings } from '../config/inbound-worker-config';
import { CircuitBreaker } from './circuit-breaker';
import { ContactCache, type CachedContact } from './contact-cache';
import { Semaphore } from './semaphore';

/** worker_contact_lookups_total{outcome}. `skipped`: the batch's look-up time ran out waiting for a slot. */
export type ContactLookupOutcome = 'found' | 'not_found' | 'error' | 'timeout' | 'circuit_open' | 'skipped';

export interface ContactRequest {
  account_id: string;
  address: string;
}

export interface ContactResolverOptions extends ContactLookupSettings {
  onLookup?: (outcome: ContactLookupOutcome) => void;
  breaker?: { failureThreshold: number; openMs: number };
}

/** The key `resolve` answers under for a request. */
export function contactKey(request: ContactRequest): string {
  return `${request.account_id}\u0000${request.address}`;
}

/** Never throws; holds a batch for at most about two look-up timeouts (a slot, an answer), then resolves to null. */
export class ContactResolver {
  private readonly http: AxiosInstance;
  private readonly cache: ContactCache;
  private readonly slots: Semaphore;
  private readonly breaker: CircuitBreaker;
  /** Look-ups under way, shared by concurrent batches asking for the same sender. */
  private readonly inFlight = new Map<string, Promise<CachedContact>>();
  private readonly lookupUrl: string;

  constructor(private readonly options: ContactResolverOptions) {
    this.cache = new ContactCache({
      ttlMs: options.cacheTtlMs,
      negativeTtlMs: options.negativeCacheTtlMs,
      maxEntries: options.cacheMaxEntries,
    });
    this.slots = new Semaphore(options.concurrency);
    this.breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 5, openMs: 10_000 });
    this.lookupUrl = `${options.baseUrl.replace(/\/+$/, '')}/contacts/lookup`;
    const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
    this.http = axios.create({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      maxRedirects: 0,
      maxContentLength: 64 * 1024,
      responseType: 'json',
      validateStatus: () => true,
      headers: { accept: 'application/json', 'user-agent': 'inbound-worker' },
    });
  }

  /** Keyed by `contactKey(request)`; null: no contact, or no answer in time. */
  async resolve(requests: readonly ContactRequest[]): Promise<Map<string, string | null>> {
    const deadline = Date.now() + this.options.timeoutMs;
    const unique = new Map<string, ContactRequest>();
    for (const request of requests) unique.set(contactKey(request), request);
    const answers = await Promise.all(
      [...unique].map(async ([key, request]) => [key, await this.contactOf(key, request, deadline)] as const),
    );
    return new Map(answers);
  }

  private contactOf(key: string, request: ContactRequest, deadline: number): Promise<CachedContact> {
    const cached = this.cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.lookUp(key, request, deadline).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async lookUp(key: string, request: ContactRequest, deadline: number): Promise<CachedContact> {
    if (!(await this.slots.acquire(deadline))) {
      this.options.onLookup?.('skipped');
      return null;
    }
    try {
      if (!this.breaker.allow()) {
        this.options.onLookup?.('circuit_open');
        return null;
      }
      const outcome = await this.ask(request);
      this.options.onLookup?.(outcome.kind);
      if (outcome.kind === 'found' || outcome.kind === 'not_found') {
        this.breaker.succeeded();
        this.cache.set(key, outcome.contactId);
      } else {
        this.breaker.failed();
      }
      return outcome.contactId;
    } finally {
      this.slots.release();
    }
  }

  private async ask(request: ContactRequest): Promise<{ kind: ContactLookupOutcome; contactId: CachedContact }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const response = await this.http.get<unknown>(this.lookupUrl, {
        params: { account_id: request.account_id, address: request.address },
        signal: controller.signal,
      });
      if (response.status === 404) return { kind: 'not_found', contactId: null };
      const id = (response.data as { id?: unknown } | null)?.id;
      if (response.status === 200 && isUuidText(id)) {
        return { kind: 'found', contactId: id.toLowerCase() };
      }
      // Anything else (5xx, a body without a UUID) would be a guess; the message goes without.
      return { kind: 'error', contactId: null };
    } catch {
      return { kind: controller.signal.aborted ? 'timeout' : 'error', contactId: null };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes kept-alive connections (on shutdown). */
  close(): void {
    (this.http.defaults.httpAgent as HttpAgent).destroy();
    (this.http.defaults.httpsAgent as HttpsAgent).destroy();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { ALL_OUTBOUND_EVENTS } from '@inbound/contracts';
import { CredentialsCipher, type WebhookRetryPolicy } from '@inbound/domain';
import { WORKER_DATA_SOURCE } from '@inbound/runtime';
import type { DataSource } from 'typeorm';

/** What a delivery needs of its subscription, secrets opened. */
export interface SubscriptionTarget {
  id: string;
  account_id: string;
  url: string;
  events: readonly string[];
  /** Current first, then the one a rotation replaced while it still signs. */
  secrets: readonly string[];
  retry: WebhookRetryPolicy | null;
  enabled: boolean;
}

interface SubscriptionRecord {
  id: string;
  account_id: string;
  url: string;
  events: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  retry: WebhookRetryPolicy | null;
  enabled: boolean;
}

const COLUMNS = `id, account_id, url, events, secret, previous_secret, previous_secret_expires_at, retry, enabled`;

/** How long a subscription read for an attempt is reused: a change (URL, secret, disable) applies within this. */
export const SUBSCRIPTION_CACHE_MS = 2_000;

export function subscribesTo(target: Pick<SubscriptionTarget, 'events' | 'enabled'>, type: string): boolean {
  return target.enabled && (target.events.includes(ALL_OUTBOUND_EVENTS) || target.events.includes(type));
}

/** Reads subscriptions and opens their secrets, once per version of the row. */
@Injectable()
export class SubscriptionDirectory {
  private readonly byId = new Map<string, { target: SubscriptionTarget | null; readAt: number }>();
  private readonly opened = new Map<string, string>();

  constructor(
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
  ) {}

  /** The enabled subscriptions of these accounts, read now: a subscription created a moment ago gets the next event. */
  async enabledForAccounts(accountIds: readonly string[]): Promise<SubscriptionTarget[]> {
    if (accountIds.length === 0) return [];
    const records = await this.dataSource.query<SubscriptionRecord[]>(
      `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE account_id = ANY($1::uuid[]) AND enabled`,
      [[...new Set(accountIds)]],
    );
    return records.map((record) => this.remember(record));
  }

  /** By id, from a short cache; null for a subscription that no longer exists. */
  async byIds(ids: readonly string[]): Promise<Map<string, SubscriptionTarget | null>> {
    const now = Date.now();
    const found = new Map<string, SubscriptionTarget | null>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.byId.get(id);
      if (cached && now - cached.readAt < SUBSCRIPTION_CACHE_MS) found.set(id, cached.target);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const records = await this.dataSource.query<SubscriptionRecord[]>(
        `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = ANY($1::uuid[])`,
        [missing],
      );
      for (const id of missing) found.set(id, null);
      for (const record of records) found.set(record.id, this.remember(record));
      for (const id of missing) if (found.get(id) === null) this.byId.set(id, { target: null, readAt: now });
    }
    return found;
  }

  /** Forgets a subscription, so the next attempt reads it again (after the dispatcher disabled it, say). */
  forget(id: string): void {
    this.byId.delete(id);
  }

  private remember(record: SubscriptionRecord): SubscriptionTarget {
    const secrets = [this.open(record.id, record.secret)];
    if (record.previous_secret && record.previous_secret_expires_at && record.previous_secret_expires_at.getTime() > Date.now()) {
      secrets.push(this.open(record.id, record.previous_secret));
    }
    const target: SubscriptionTarget = {
      id: record.id,
      account_id: record.account_id,
      url: record.url,
      events: record.events,
      secrets,
      retry: record.retry,
      enabled: record.enabled,
    };
    this.byId.set(record.id, { target, readAt: Date.now() });
    return target;
  }

  private open(id: string, sealed: string): string {
    const key = `${id}\u0000${sealed}`;
    let secret = this.opened.get(key);
    if (secret === undefined) {
      secret = String(this.cipher.open(id, sealed)['secret']);
      // Sealed values only change on rotation; the bound keeps a long-lived process small.
      if (this.opened.size > 10_000) this.opened.clear();
      this.opened.set(key, secret);
    }
    return secret;
  }
}

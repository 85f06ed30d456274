import { Inject, Injectable } from '@nestjs/common';
import { Channel, CredentialsCipher } from '@inbound/domain';
import { isChannelType, type ChannelType, isUuidText } from '@inbound/contracts';
import { Counter, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

export interface ActiveChannel {
  id: string;
  account_id: string;
  channel_type: ChannelType;
  credentials: Readonly<Record<string, unknown>>;
}

interface Entry {
  value: ActiveChannel | null;
  expiresAt: number;
  loadedAt: number;
}

export interface ChannelDirectoryOptions {
  /** How long a found channel is trusted; the contract allows at most 30 s. */
  ttlMs: number;
  /** How long an unknown or inactive id is remembered, so a flood of bad ids spares the database. */
  negativeTtlMs: number;
  maxEntries: number;
  /** While PostgreSQL cannot be read, a channel loaded at most this long ago is still served. */
  staleLimitMs: number;
  /** Between two reload attempts of a stale entry, calls are served from it without waiting. */
  staleRetryMs: number;
  /** A reload wait when a good stale entry exists: a hung query must not hold calls until TCP gives up. */
  staleWaitMs: number;
}

export const CHANNEL_DIRECTORY_OPTIONS = Symbol('CHANNEL_DIRECTORY_OPTIONS');

/**
 * Only active channels, else null; concurrent misses share one query. When a reload fails, the last good entry
 * serves up to `staleLimitMs`; anything else fails the lookup (503).
 */
@Injectable()
export class ChannelDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ActiveChannel | null>>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
    @Inject(CHANNEL_DIRECTORY_OPTIONS) private readonly options: ChannelDirectoryOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.staleServed = new Counter({
      name: 'gateway_channel_stale_served_total',
      help: 'Webhook calls served from a channel entry past its lifetime because PostgreSQL could not be read',
      registers: [registry],
    });
  }

  private readonly staleServed: Counter;

  async find(channelId: string): Promise<ActiveChannel | null> {
    if (!isUuidText(channelId)) return null;
    const id = channelId.toLowerCase();
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    let lookup = this.inFlight.get(id);
    if (!lookup) {
      lookup = this.load(id, cached).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, lookup);
    }
    const stale = cached?.value;
    if (!stale || Date.now() - (cached as Entry).loadedAt > this.options.staleLimitMs) return lookup;
    let timer: NodeJS.Timeout | undefined;
    const lastGood = new Promise<ActiveChannel>((resolve) => {
      timer = setTimeout(() => {
        this.staleServed.inc();
        resolve(stale);
      }, this.options.staleWaitMs);
    });
    return Promise.race([lookup, lastGood]).finally(() => clearTimeout(timer));
  }

  /** Forgets a channel at once (after a PATCH on this replica). */
  invalidate(channelId: string): void {
    this.entries.delete(channelId.toLowerCase());
  }

  private async load(id: string, previous: Entry | undefined): Promise<ActiveChannel | null> {
    let row: Channel | null;
    try {
      row = await this.dataSource.getRepository(Channel).findOne({ where: { id } });
    } catch (error) {
      const now = Date.now();
      if (!previous?.value || now - previous.loadedAt > this.options.staleLimitMs) throw error;
      previous.expiresAt = now + this.options.staleRetryMs;
      this.staleServed.inc();
      return previous.value;
    }
    const value =
      row && row.is_active && isChannelType(row.channel_type)
        ? { id: row.id, account_id: row.account_id, channel_type: row.channel_type, credentials: this.cipher.open(row.id, row.credentials) }
        : null;
    if (this.entries.size >= this.options.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const now = Date.now();
    this.entries.set(id, { value, expiresAt: now + (value ? this.options.ttlMs : this.options.negativeTtlMs), loadedAt: now });
    return value;
  }
}

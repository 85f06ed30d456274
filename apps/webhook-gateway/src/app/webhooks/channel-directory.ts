import { Inject, Injectable } from '@nestjs/common';
import { Channel, CredentialsCipher } from '@inbound/domain';
import { isChannelType, type ChannelType } from '@inbound/messaging';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';

/** What the webhook path needs of a channel, with its credentials already opened. */
export interface ActiveChannel {
  id: string;
  account_id: string;
  channel_type: ChannelType;
  credentials: Readonly<Record<string, unknown>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Entry {
  value: ActiveChannel | null;
  expiresAt: number;
}

export interface ChannelDirectoryOptions {
  /** How long a found channel is trusted; the contract allows at most 30 s. */
  ttlMs: number;
  /** How long an unknown or inactive id is remembered, so a flood of bad ids spares the database. */
  negativeTtlMs: number;
  maxEntries: number;
}

export const CHANNEL_DIRECTORY_OPTIONS = Symbol('CHANNEL_DIRECTORY_OPTIONS');

/**
 * Looks up channels for the webhook path through an in-process cache. Concurrent misses for
 * one id share one query. Only active channels are returned; anything else is null.
 */
@Injectable()
export class ChannelDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ActiveChannel | null>>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
    @Inject(CHANNEL_DIRECTORY_OPTIONS) private readonly options: ChannelDirectoryOptions,
  ) {}

  async find(channelId: string): Promise<ActiveChannel | null> {
    if (!UUID.test(channelId)) return null;
    const id = channelId.toLowerCase();
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const lookup = this.load(id).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, lookup);
    return lookup;
  }

  /** Forgets a channel at once (after a PATCH on this replica). */
  invalidate(channelId: string): void {
    this.entries.delete(channelId.toLowerCase());
  }

  private async load(id: string): Promise<ActiveChannel | null> {
    const row = await this.dataSource.getRepository(Channel).findOne({ where: { id } });
    const value =
      row && row.is_active && isChannelType(row.channel_type)
        ? { id: row.id, account_id: row.account_id, channel_type: row.channel_type, credentials: this.cipher.open(row.id, row.credentials) }
        : null;
    if (this.entries.size >= this.options.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { value, expiresAt: Date.now() + (value ? this.options.ttlMs : this.options.negativeTtlMs) });
    return value;
  }
}

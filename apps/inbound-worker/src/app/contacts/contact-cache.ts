/** A remembered answer: the contact's id, or null for "this address has no contact". */
export type CachedContact = string | null;

/** Found contacts for `ttlMs`, "no contact" for `negativeTtlMs`; least recently used goes past `maxEntries`. */
export class ContactCache {
  private readonly entries = new Map<string, { contactId: CachedContact; expiresAt: number }>();

  constructor(
    private readonly options: { ttlMs: number; negativeTtlMs: number; maxEntries: number },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedContact | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.contactId;
  }

  set(key: string, contactId: CachedContact): void {
    const ttl = contactId === null ? this.options.negativeTtlMs : this.options.ttlMs;
    if (ttl <= 0 || this.options.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { contactId, expiresAt: this.now() + ttl });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

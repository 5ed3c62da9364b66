import { Scope } from '@app/common';

export interface CachedKey {
  keyId: number;
  userId: string;
  hash: string;
  scopes: Scope[];
  expiresAt: number | null;
}

interface Slot {
  value: CachedKey | null;
  until: number;
}

/**
 * Bounded, TTL'd map of prefix → key record (or null for a prefix known not to exist).
 * A generation counter stops a lookup that raced with a revocation from re-caching it.
 */
export class ApiKeyCache {
  private readonly slots = new Map<string, Slot>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly negativeTtlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get currentGeneration(): number {
    return this.generation;
  }

  /** undefined: not cached; null: known absent. */
  get(prefix: string, now = Date.now()): CachedKey | null | undefined {
    const slot = this.slots.get(prefix);
    if (!slot) return undefined;
    if (slot.until <= now) {
      this.slots.delete(prefix);
      return undefined;
    }
    return slot.value;
  }

  set(prefix: string, value: CachedKey | null, generation: number, now = Date.now()): void {
    if (generation !== this.generation) return;
    const ttl = value ? this.ttlMs : this.negativeTtlMs;
    if (ttl <= 0) return;
    // Re-inserted, a refreshed entry counts as the newest and takes no one else's place.
    this.slots.delete(prefix);
    if (this.slots.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first entry drops the oldest.
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.slots.delete(oldest);
    }
    this.slots.set(prefix, { value, until: now + ttl });
  }

  invalidate(prefixes: string[]): void {
    this.generation++;
    for (const prefix of prefixes) this.slots.delete(prefix);
  }

  clear(): void {
    this.generation++;
    this.slots.clear();
  }
}

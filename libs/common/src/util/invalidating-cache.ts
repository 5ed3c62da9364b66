interface Slot<V> {
  value: V | null;
  until: number;
}

/**
 * Bounded, TTL'd map of key → value (or null for a key known not to exist), for records that
 * other processes can change: a generation counter stops a lookup that raced with an
 * invalidation from re-caching what it read before it.
 */
export class InvalidatingCache<V> {
  private readonly slots = new Map<string, Slot<V>>();
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
  get(key: string, now = Date.now()): V | null | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (slot.until <= now) {
      this.slots.delete(key);
      return undefined;
    }
    return slot.value;
  }

  set(key: string, value: V | null, generation: number, now = Date.now()): void {
    if (generation !== this.generation) return;
    const ttl = value ? this.ttlMs : this.negativeTtlMs;
    if (ttl <= 0) return;
    // Re-inserted, a refreshed entry counts as the newest and takes no one else's place.
    this.slots.delete(key);
    if (this.slots.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first entry drops the oldest.
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.slots.delete(oldest);
    }
    this.slots.set(key, { value, until: now + ttl });
  }

  invalidate(keys: string[]): void {
    this.generation++;
    for (const key of keys) this.slots.delete(key);
  }

  clear(): void {
    this.generation++;
    this.slots.clear();
  }
}

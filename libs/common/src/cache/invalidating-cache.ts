interface Slot<V> {
  value: V | null;
  until: number;
}

/**
 * The one in-process cache of records other processes can change (workflows, API keys, webhook
 * subscriptions and secrets); SharedCache keeps it in step across processes over Redis.
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
    const ttl = value !== null ? this.ttlMs : this.negativeTtlMs;
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

  /**
   * The cached value of `key`, or what `load` finds (then cached unless an invalidation came
   * in while it was loading: what it read may be the stale value).
   */
  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const value = await load();
    this.set(key, value, generation);
    return value;
  }

  invalidate(keys: readonly string[]): void {
    this.generation++;
    for (const key of keys) this.slots.delete(key);
  }

  clear(): void {
    this.generation++;
    this.slots.clear();
  }
}

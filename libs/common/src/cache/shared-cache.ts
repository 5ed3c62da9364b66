import { RedisService } from '../redis/redis.service';
import { InvalidatingCache } from './invalidating-cache';

export interface SharedCacheOptions {
  /** Redis channel (namespaced by REDIS_PREFIX) on which changes are announced. */
  channel: string;
  ttlMs: number;
  /** How long a key known not to exist is remembered (0: not at all). */
  negativeTtlMs: number;
  maxEntries?: number;
  /**
   * The keys an announcement makes stale, or null to ignore it; by default the message is the
   * key. Runs on every process, this one included.
   */
  staleKeys?: (message: string) => readonly string[] | null;
  /** Told of every announcement it did not ignore, once its keys are dropped. */
  onAnnounced?: (message: string) => void;
}

/**
 * An InvalidatingCache kept in step across processes: a change is announced on a Redis channel
 * and every process drops the keys it names. While the subscriber was away messages may have
 * been missed, so a reconnect forgets everything; the TTL only bounds the damage of a message
 * lost otherwise.
 */
export class SharedCache<V> {
  private readonly cache: InvalidatingCache<V>;
  private unsubscribe?: () => Promise<void>;
  private stopResubscribe?: () => void;

  constructor(
    private readonly redis: RedisService,
    private readonly options: SharedCacheOptions,
  ) {
    this.cache = new InvalidatingCache<V>(options.ttlMs, options.negativeTtlMs, options.maxEntries);
  }

  /** Starts listening for announcements (module init). */
  async start(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(this.options.channel, (message) =>
      this.onMessage(message),
    );
    this.stopResubscribe = this.redis.onResubscribe(() => this.cache.clear());
  }

  async stop(): Promise<void> {
    this.stopResubscribe?.();
    await this.unsubscribe?.().catch(() => undefined);
  }

  get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    return this.cache.getOrLoad(key, load);
  }

  /** Drops `keys` here only (a change only this process can have seen). */
  forget(keys: readonly string[]): void {
    this.cache.invalidate(keys);
  }

  /**
   * Drops `keys` here at once, then tells every other process. Rejects when Redis does not
   * take the message: the caller decides whether that is worth a warning (the TTL still holds).
   */
  async announce(keys: readonly string[], message: string = keys.join(',')): Promise<void> {
    this.cache.invalidate(keys);
    await this.redis.publish(this.options.channel, message);
  }

  private onMessage(message: string): void {
    const keys = this.options.staleKeys ? this.options.staleKeys(message) : [message];
    if (!keys) return;
    this.cache.invalidate(keys);
    this.options.onAnnounced?.(message);
  }
}

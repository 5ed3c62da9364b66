import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKeyVerifier, AppConfig, Principal, RedisService, SCOPES, Scope } from '@app/common';
import { ApiKeyCache, CachedKey } from './api-key-cache';
import { API_KEY_REVOKED_CHANNEL, ApiKeyEvents, ApiKeyRevokedEvent } from './api-key.events';
import { hashMatches, isLegacyKey, prefixOf } from './api-key.format';
import { LegacyKeyUpgrader } from './legacy-key-upgrader';
import { ApiKeyEntity } from './entities/api-key.entity';

export const parseScopes = (raw: string): Scope[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));

/**
 * Verifies API keys without bcrypt and without a database round trip per request:
 * HMAC of the key compared with the cached record found by its prefix. Revocations reach
 * every process through Redis pub/sub and drop the cached record at once.
 */
@Injectable()
export class ApiKeyVerifierService
  implements ApiKeyVerifier, OnModuleInit, BeforeApplicationShutdown
{
  private readonly logger = new Logger(ApiKeyVerifierService.name);
  private readonly cache: ApiKeyCache;
  /** keyId → last use not yet written; flushed in one pass every API_KEY_TOUCH_FLUSH_MS. */
  private readonly touched = new Map<number, Date>();
  private flushTimer?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly legacyKeys: LegacyKeyUpgrader,
  ) {
    this.cache = new ApiKeyCache(config.auth.apiKeyCacheTtlMs, 5_000);
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(API_KEY_REVOKED_CHANNEL, (message) =>
      this.onRevokedMessage(message),
    );
    // Messages may have been missed while the subscriber was away: forget everything.
    this.redis.onResubscribe(() => this.cache.clear());
    this.flushTimer = setInterval(
      () => void this.flushTouches(),
      this.config.auth.apiKeyTouchFlushMs,
    );
    this.flushTimer.unref();
  }

  /** Before shutdown, while the database connection is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.unsubscribe?.().catch(() => undefined);
    await this.flushTouches();
  }

  async verify(rawKey: string): Promise<Principal | null> {
    const prefix = prefixOf(rawKey);
    if (!prefix) return null;
    const record = await this.lookup(prefix);
    if (!record || !(await this.matches(record, rawKey, prefix))) return null;
    if (record.expiresAt !== null && record.expiresAt <= Date.now()) return null;
    this.touched.set(record.keyId, new Date());
    return {
      userId: record.userId,
      via: 'key',
      keyId: record.keyId,
      scopes: record.scopes,
      ...(record.expiresAt !== null ? { expiresAt: record.expiresAt } : {}),
    };
  }

  isKeyFormat(raw: string): boolean {
    return prefixOf(raw) !== null;
  }

  private async matches(record: CachedKey, rawKey: string, prefix: string): Promise<boolean> {
    if (!record.legacyHash) return hashMatches(rawKey, this.config.auth.apiKeyPepper, record.hash);
    if (!isLegacyKey(rawKey)) return false;
    const ok = await this.legacyKeys.verifyAndUpgrade(record.keyId, rawKey);
    // The next lookup reads the HMAC that replaced the bcrypt hash.
    if (ok) this.cache.invalidate([prefix]);
    return ok;
  }

  /** Announces revoked keys to every process (this one included). */
  async broadcastRevocation(event: ApiKeyRevokedEvent): Promise<void> {
    this.cache.invalidate(event.prefixes);
    try {
      await this.redis.publish(API_KEY_REVOKED_CHANNEL, JSON.stringify(event));
    } catch (err) {
      // The key is revoked in MySQL and here; other processes drop their cached copy when the
      // message arrives after Redis comes back, or when their subscription reconnects.
      this.logger.warn(`Revocation announced late: ${(err as Error).message}`);
    }
  }

  private async lookup(prefix: string): Promise<CachedKey | null> {
    const cached = this.cache.get(prefix);
    if (cached !== undefined) return cached;
    const generation = this.cache.currentGeneration;
    const row = await this.keys.findOne({
      where: { prefix, is_active: true },
      select: {
        id: true,
        user_id: true,
        hash: true,
        legacy_hash: true,
        scopes: true,
        expires_at: true,
      },
    });
    const record: CachedKey | null = row
      ? {
          keyId: row.id,
          userId: row.user_id,
          hash: row.hash,
          legacyHash: row.legacy_hash,
          scopes: parseScopes(row.scopes),
          expiresAt: row.expires_at ? row.expires_at.getTime() : null,
        }
      : null;
    this.cache.set(prefix, record, generation);
    return record;
  }

  private onRevokedMessage(message: string): void {
    let event: ApiKeyRevokedEvent;
    try {
      event = JSON.parse(message) as ApiKeyRevokedEvent;
    } catch {
      return;
    }
    if (!Array.isArray(event.prefixes)) return;
    this.cache.invalidate(event.prefixes);
    for (const id of event.key_ids ?? []) this.touched.delete(id);
    this.events.emit(ApiKeyEvents.Revoked, event);
  }

  async flushTouches(): Promise<void> {
    if (this.touched.size === 0) return;
    const batch = [...this.touched.entries()];
    this.touched.clear();
    try {
      for (const [id, at] of batch) {
        // updated_at is kept: a key being used is not the key being changed.
        await this.keys.query(
          'UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, ?), ?), updated_at = updated_at WHERE id = ?',
          [at, at, id],
        );
      }
    } catch (err) {
      this.logger.warn(`Could not record API key use: ${(err as Error).message}`);
    }
  }
}

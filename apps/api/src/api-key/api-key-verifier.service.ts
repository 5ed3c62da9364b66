import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  ApiKeyVerifier,
  AppConfig,
  Principal,
  RedisService,
  SCOPES,
  Scope,
  SharedCache,
} from '@app/common';
import { API_KEY_REVOKED_CHANNEL, ApiKeyEvents, ApiKeyRevokedEvent } from './api-key.events';
import { hashMatches, isLegacyKey, prefixOf } from './api-key.format';
import { ApiKeyRepository, KeyForVerification } from './api-key.repository';
import { LegacyKeyUpgrader } from './legacy-key.upgrader';

export const parseScopes = (raw: string): Scope[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));

/** A key's record as every request checks it, cached by the key's prefix. */
interface CachedKey {
  keyId: number;
  userId: string;
  hash: string;
  /** bcrypt hash of an imported key that has not been used yet. */
  legacyHash: string | null;
  scopes: Scope[];
  expiresAt: number | null;
}

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
  /** Prefix (or `#id`, see byId) → key record, or null for one known not to exist. */
  private readonly cache: SharedCache<CachedKey>;
  /** keyId → last use not yet written; flushed in one pass every API_KEY_TOUCH_FLUSH_MS. */
  private readonly touched = new Map<number, Date>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly keys: ApiKeyRepository,
    redis: RedisService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly legacyKeys: LegacyKeyUpgrader,
  ) {
    this.cache = new SharedCache(redis, {
      channel: API_KEY_REVOKED_CHANNEL,
      ttlMs: config.auth.apiKeyCacheTtlMs,
      negativeTtlMs: 5_000,
      staleKeys: (message) => {
        const event = revocationOf(message);
        return event ? [...event.prefixes, ...(event.key_ids ?? []).map(byId)] : null;
      },
      onAnnounced: (message) => this.onRevoked(revocationOf(message)!),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.cache.start();
    this.flushTimer = setInterval(
      () => void this.flushTouches(),
      this.config.auth.apiKeyTouchFlushMs,
    );
    this.flushTimer.unref();
  }

  /** Before shutdown, while the database connection is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.cache.stop();
    await this.flushTouches();
  }

  async verify(rawKey: string): Promise<Principal | null> {
    const prefix = prefixOf(rawKey);
    if (!prefix) return null;
    const record = await this.lookup(prefix);
    if (!record || !(await this.matches(record, rawKey, prefix))) return null;
    if (isExpired(record)) return null;
    this.touched.set(record.keyId, new Date());
    return principalOf(record);
  }

  async activeKey(keyId: number): Promise<Principal | null> {
    const record = await this.cache.get(byId(keyId), async () =>
      cachedKeyOf(await this.keys.findActiveById(keyId)),
    );
    return record && !isExpired(record) ? principalOf(record) : null;
  }

  isKeyFormat(raw: string): boolean {
    return prefixOf(raw) !== null;
  }

  private async matches(record: CachedKey, rawKey: string, prefix: string): Promise<boolean> {
    if (!record.legacyHash) return hashMatches(rawKey, this.config.auth.apiKeyPepper, record.hash);
    if (!isLegacyKey(rawKey)) return false;
    const ok = await this.legacyKeys.verifyAndUpgrade(record.keyId, rawKey);
    // The next lookup reads the HMAC that replaced the bcrypt hash.
    if (ok) this.cache.forget([prefix]);
    return ok;
  }

  /** Announces revoked keys to every process (this one included). */
  async broadcastRevocation(event: ApiKeyRevokedEvent): Promise<void> {
    try {
      const stale = [...event.prefixes, ...event.key_ids.map(byId)];
      await this.cache.announce(stale, JSON.stringify(event));
    } catch (err) {
      // The key is revoked in MySQL and here; other processes drop their cached copy when the
      // message arrives after Redis comes back, or when their subscription reconnects.
      this.logger.warn(`Revocation announced late: ${(err as Error).message}`);
    }
  }

  private lookup(prefix: string): Promise<CachedKey | null> {
    return this.cache.get(prefix, async () =>
      cachedKeyOf(await this.keys.findActiveByPrefix(prefix)),
    );
  }

  /** A revocation announced by any process (this one included), once its prefixes are dropped. */
  private onRevoked(event: ApiKeyRevokedEvent): void {
    for (const id of event.key_ids ?? []) this.touched.delete(id);
    this.events.emit(ApiKeyEvents.Revoked, event);
  }

  async flushTouches(): Promise<void> {
    if (this.touched.size === 0) return;
    const batch = [...this.touched.entries()];
    this.touched.clear();
    try {
      for (const [id, at] of batch) await this.keys.touch(id, at);
    } catch (err) {
      this.logger.warn(`Could not record API key use: ${(err as Error).message}`);
    }
  }
}

/**
 * Cache key of a record looked up by key id (stream tokens), beside those looked up by prefix;
 * no prefix starts with `#`. A revocation drops both.
 */
const byId = (keyId: number): string => `#${keyId}`;

function cachedKeyOf(row: KeyForVerification | null): CachedKey | null {
  return row
    ? {
        keyId: row.id,
        userId: row.user_id,
        hash: row.hash,
        legacyHash: row.legacy_hash,
        scopes: parseScopes(row.scopes),
        expiresAt: row.expires_at ? row.expires_at.getTime() : null,
      }
    : null;
}

const isExpired = (record: CachedKey): boolean =>
  record.expiresAt !== null && record.expiresAt <= Date.now();

function principalOf(record: CachedKey): Principal {
  return {
    userId: record.userId,
    via: 'key',
    keyId: record.keyId,
    scopes: record.scopes,
    ...(record.expiresAt !== null ? { expiresAt: record.expiresAt } : {}),
  };
}

function revocationOf(message: string): ApiKeyRevokedEvent | null {
  try {
    const event = JSON.parse(message) as ApiKeyRevokedEvent;
    return Array.isArray(event.prefixes) ? event : null;
  } catch {
    return null;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import bcrypt from 'bcryptjs';
import { AppConfig } from '@app/common';
import { hashApiKey, hashMatches } from './api-key.format';
import { ApiKeyRepository } from './api-key.repository';

/**
 * Keys imported from the legacy service arrive as bcrypt hashes. The first use of such a key
 * is checked with bcrypt once; on success its HMAC replaces the bcrypt hash, so every later
 * use takes the fast path. Concurrent first uses of one key share one bcrypt run, and a wrong
 * key is remembered (by its HMAC) so that guessing cannot make this process run bcrypt for
 * every attempt.
 */
@Injectable()
export class LegacyKeyUpgrader {
  private readonly logger = new Logger(LegacyKeyUpgrader.name);
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly config: AppConfig,
  ) {}

  /** Whether `rawKey` is the imported key `keyId`; when it is, the key is upgraded to HMAC. */
  verifyAndUpgrade(keyId: number, rawKey: string): Promise<boolean> {
    const hmac = hashApiKey(rawKey, this.config.auth.apiKeyPepper);
    const attempt = `${keyId}:${hmac}`;
    const refusedAt = this.refused.get(attempt);
    if (refusedAt !== undefined && Date.now() - refusedAt < REFUSAL_MEMORY_MS) {
      return Promise.resolve(false);
    }
    let running = this.inFlight.get(attempt);
    if (!running) {
      running = this.check(keyId, rawKey, hmac).finally(() => this.inFlight.delete(attempt));
      this.inFlight.set(attempt, running);
    }
    return running.then((ok) => {
      if (!ok) this.remember(attempt);
      return ok;
    });
  }

  private async check(keyId: number, rawKey: string, hmac: string): Promise<boolean> {
    // Another process may have upgraded the key since this one cached it: no bcrypt then.
    const row = await this.keys.findActiveHashes(keyId);
    if (!row) return false;
    if (!row.legacy_hash) return hashMatches(rawKey, this.config.auth.apiKeyPepper, row.hash);
    const matches = await bcrypt.compare(rawKey, row.legacy_hash).catch((err: Error) => {
      this.logger.warn(`Imported key ${keyId} has an unreadable bcrypt hash: ${err.message}`);
      return false;
    });
    if (!matches) return false;
    await this.keys.upgradeToHmac(keyId, hmac);
    this.logger.log(`Imported API key ${keyId} upgraded to HMAC on its first use`);
    return true;
  }

  private remember(attempt: string): void {
    if (this.refused.size >= MAX_REFUSALS) this.refused.clear();
    this.refused.set(attempt, Date.now());
  }
}

const REFUSAL_MEMORY_MS = 10 * 60_000;
const MAX_REFUSALS = 10_000;

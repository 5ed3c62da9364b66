import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, InvalidatingCache } from '@app/common';
import { SecretBox } from './webhook-secret-box';
import { generateSigningSecret } from './webhook-signature';
import { SEALED_SECRET_TABLES, WebhookRepository } from './webhook.repository';

const CACHE_LIMIT = 10_000;
const RESEAL_BATCH = 500;

/**
 * Signing secrets: sealed for storage, opened to sign. A secret never changes once created
 * (a webhook's lives and dies with it; a user's callback secret is created once), so opened
 * secrets are kept in a bounded in-process cache and an attempt costs no extra query.
 */
@Injectable()
export class WebhookSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookSecrets.name);
  private readonly box: SecretBox;
  /** Never stale (a secret does not change), so no TTL; an absent webhook is not remembered. */
  private readonly cache = new InvalidatingCache<string>(Infinity, 0, CACHE_LIMIT);

  constructor(
    private readonly webhooks: WebhookRepository,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.webhooks.secretKey, config.auth.apiKeyPepper);
  }

  /** Secrets sealed under the pepper by earlier versions move to WEBHOOK_SECRET_KEY. */
  onApplicationBootstrap(): void {
    this.resealLegacy().catch((err: Error) =>
      this.logger.warn(`Re-sealing webhook secrets stopped: ${err.message}; retried at next start`),
    );
  }

  /**
   * Each row is rewritten only if it still holds the value read (WHERE secret = old), so
   * processes starting together never overwrite each other; the secret itself is unchanged.
   */
  async resealLegacy(): Promise<number> {
    let moved = 0;
    for (const table of SEALED_SECRET_TABLES) {
      for (;;) {
        const rows = await this.webhooks.sealedLike(table, 'v1.%', RESEAL_BATCH);
        for (const row of rows) {
          const resealed = this.box.seal(this.box.open(row.secret));
          await this.webhooks.replaceSealed(table, row.id, row.secret, resealed);
          moved++;
        }
        if (rows.length < RESEAL_BATCH) break;
      }
    }
    if (moved) this.logger.log(`Re-sealed ${moved} webhook secrets under WEBHOOK_SECRET_KEY`);
    return moved;
  }

  /** A new secret and its sealed form for the database. */
  create(): { secret: string; sealed: string } {
    const secret = generateSigningSecret();
    return { secret, sealed: this.box.seal(secret) };
  }

  /** The webhook's secret, or null when the webhook no longer exists. */
  webhookSecret(webhookId: string): Promise<string | null> {
    return this.cache.getOrLoad(`w:${webhookId}`, async () => {
      const sealed = await this.webhooks.sealedSecret(webhookId);
      return sealed === null ? null : this.box.open(sealed);
    });
  }

  /** The user's callback secret, created on first use (concurrent first uses agree). */
  async callbackSecret(userId: string): Promise<string> {
    const secret = await this.cache.getOrLoad(`c:${userId}`, async () =>
      this.box.open(await this.webhooks.callbackSecret(userId, () => this.create().sealed)),
    );
    return secret!;
  }

  /** Drops a deleted webhook's secret. */
  forgetWebhook(webhookId: string): void {
    this.cache.invalidate([`w:${webhookId}`]);
  }
}

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '@app/common';
import { WebhookCallbackSecretEntity } from './entities/webhook-callback-secret.entity';
import { WebhookEntity } from './entities/webhook.entity';
import { SecretBox } from './webhook-secret-box';
import { generateSigningSecret } from './webhook-signature';

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
  private readonly cache = new Map<string, string>();

  constructor(
    @InjectRepository(WebhookCallbackSecretEntity)
    private readonly callbackSecrets: Repository<WebhookCallbackSecretEntity>,
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
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
    for (const [table, id] of [
      ['webhooks', 'id'],
      ['webhook_callback_secrets', 'user_id'],
    ] as const) {
      for (;;) {
        const rows = (await this.webhooks.query(
          `SELECT \`${id}\` AS id, secret FROM \`${table}\` WHERE secret LIKE 'v1.%' LIMIT ${RESEAL_BATCH}`,
        )) as Array<{ id: string; secret: string }>;
        for (const row of rows) {
          const resealed = this.box.seal(this.box.open(row.secret));
          await this.webhooks.query(
            `UPDATE \`${table}\` SET secret = ? WHERE \`${id}\` = ? AND secret = ?`,
            [resealed, row.id, row.secret],
          );
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
  async webhookSecret(webhookId: string): Promise<string | null> {
    const cached = this.cache.get(`w:${webhookId}`);
    if (cached !== undefined) return cached;
    const webhook = await this.webhooks
      .createQueryBuilder('w')
      .select('w.id')
      .addSelect('w.secret')
      .where('w.id = :webhookId', { webhookId })
      .getOne();
    return webhook ? this.remember(`w:${webhookId}`, this.box.open(webhook.secret)) : null;
  }

  /**
   * The user's callback secret, created on first use. Concurrent first uses agree: the row is
   * inserted with INSERT IGNORE and then read back.
   */
  async callbackSecret(userId: string): Promise<string> {
    const cached = this.cache.get(`c:${userId}`);
    if (cached !== undefined) return cached;
    let row = await this.callbackSecrets.findOneBy({ user_id: userId });
    if (!row) {
      await this.callbackSecrets
        .createQueryBuilder()
        .insert()
        .into(WebhookCallbackSecretEntity)
        .values({ user_id: userId, secret: this.create().sealed })
        .orIgnore()
        .execute();
      row = await this.callbackSecrets.findOneByOrFail({ user_id: userId });
    }
    return this.remember(`c:${userId}`, this.box.open(row.secret));
  }

  /** Drops a deleted webhook's secret. */
  forgetWebhook(webhookId: string): void {
    this.cache.delete(`w:${webhookId}`);
  }

  private remember(key: string, secret: string): string {
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, secret);
    return secret;
  }
}

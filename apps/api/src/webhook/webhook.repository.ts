import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Page, PageQueryDto, pageWindow } from '@app/common';
import { WebhookCallbackSecretEntity } from './entities/webhook-callback-secret.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity } from './entities/webhook.entity';

export type NewWebhookRow = Pick<
  WebhookEntity,
  'id' | 'user_id' | 'url' | 'events' | 'description' | 'secret'
>;

/** The tables holding a sealed secret, and the column that identifies its owner. */
export const SEALED_SECRET_TABLES = [
  { table: 'webhooks', id: 'id' },
  { table: 'webhook_callback_secrets', id: 'user_id' },
] as const;

export type SealedSecretTable = (typeof SEALED_SECRET_TABLES)[number];

/**
 * The `webhooks` and `webhook_callback_secrets` tables: the only class that reads or writes
 * them. A webhook's deletion takes its delivery log with it, in one transaction.
 */
@Injectable()
export class WebhookRepository {
  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookCallbackSecretEntity)
    private readonly callbackSecrets: Repository<WebhookCallbackSecretEntity>,
    private readonly dataSource: DataSource,
  ) {}

  countOf(userId: string): Promise<number> {
    return this.webhooks.countBy({ user_id: userId });
  }

  async insert(row: NewWebhookRow): Promise<void> {
    await this.webhooks.insert(row);
  }

  async page(userId: string, query: PageQueryDto): Promise<Page<WebhookEntity>> {
    const [records, total] = await this.webhooks.findAndCount({
      where: { user_id: userId },
      order: { created_at: 'DESC', id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  findOwned(userId: string, id: string): Promise<WebhookEntity | null> {
    return this.webhooks.findOneBy({ id, user_id: userId });
  }

  /** What event dispatch needs of a user's webhooks (no secrets). */
  subscriptionsOf(userId: string): Promise<Array<Pick<WebhookEntity, 'id' | 'url' | 'events'>>> {
    return this.webhooks.find({
      where: { user_id: userId },
      select: { id: true, url: true, events: true },
    });
  }

  /** Deletes the webhook with its deliveries and their attempts. */
  async removeWithDeliveries(userId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `DELETE a FROM webhook_delivery_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = ?`,
        [id],
      );
      await tx.delete(WebhookDeliveryEntity, { webhook_id: id });
      await tx.delete(WebhookEntity, { id, user_id: userId });
    });
  }

  /** The webhook's sealed secret, or null when the webhook does not exist. */
  async sealedSecret(webhookId: string): Promise<string | null> {
    const webhook = await this.webhooks
      .createQueryBuilder('w')
      .select('w.id')
      .addSelect('w.secret')
      .where('w.id = :webhookId', { webhookId })
      .getOne();
    return webhook?.secret ?? null;
  }

  /** The user's sealed callback secret; `sealed` is stored first when the user has none. */
  async callbackSecret(userId: string, sealed: () => string): Promise<string> {
    let row = await this.callbackSecrets.findOneBy({ user_id: userId });
    if (!row) {
      // Concurrent first uses agree: INSERT IGNORE, then read back whichever won.
      await this.callbackSecrets
        .createQueryBuilder()
        .insert()
        .into(WebhookCallbackSecretEntity)
        .values({ user_id: userId, secret: sealed() })
        .orIgnore()
        .execute();
      row = await this.callbackSecrets.findOneByOrFail({ user_id: userId });
    }
    return row.secret;
  }

  /** Up to `limit` secrets of `table` sealed in a format matching `pattern` (SQL LIKE). */
  sealedLike(
    { table, id }: SealedSecretTable,
    pattern: string,
    limit: number,
  ): Promise<Array<{ id: string; secret: string }>> {
    return this.webhooks.query(
      `SELECT \`${id}\` AS id, secret FROM \`${table}\` WHERE secret LIKE ? LIMIT ${Number(limit)}`,
      [pattern],
    ) as Promise<Array<{ id: string; secret: string }>>;
  }

  /** Rewrites a secret only if it still holds `previous`, so concurrent writers never clash. */
  async replaceSealed(
    { table, id }: SealedSecretTable,
    owner: string,
    previous: string,
    next: string,
  ): Promise<void> {
    await this.webhooks.query(
      `UPDATE \`${table}\` SET secret = ? WHERE \`${id}\` = ? AND secret = ?`,
      [next, owner, previous],
    );
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere, In, IsNull, Not, Repository } from 'typeorm';
import { AppConfig, AppException, Page, PageQueryDto, pageWindow } from '@app/common';
import { AllDeliveriesQueryDto, DeliveryQueryDto } from './dto/delivery-query.dto';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { WebhookDeliveryAttemptEntity } from './entities/webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity, webhookEvents } from './entities/webhook.entity';
import { WEBHOOK_TEST_EVENT, WebhookPayload } from './webhook.constants';
import { NewDelivery, WebhookOutbox } from './webhook-outbox.service';
import { WebhookSecrets } from './webhook-secrets.service';
import { WebhookSubscriptions } from './webhook-subscriptions.service';
import { targetUrlProblem } from './webhook-target';

export interface DeliveryWithAttempts {
  delivery: WebhookDeliveryEntity;
  attempts: WebhookDeliveryAttemptEntity[];
}

/** Webhooks of a user (docs/webhooks.md), their delivery log, redelivery and the callback secret. */
@Injectable()
export class WebhookService {
  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookDeliveryEntity)
    private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookDeliveryAttemptEntity)
    private readonly attempts: Repository<WebhookDeliveryAttemptEntity>,
    private readonly dataSource: DataSource,
    private readonly secrets: WebhookSecrets,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly outbox: WebhookOutbox,
    private readonly config: AppConfig,
  ) {}

  /** Creates a webhook; its signing secret is returned once, in clear, and stored sealed. */
  async create(
    userId: string,
    dto: CreateWebhookDto,
  ): Promise<{ webhook: WebhookEntity; secret: string }> {
    const problem = targetUrlProblem(dto.url, this.config.webhooks.allowPrivateTargets);
    if (problem) throw AppException.validation([{ field: 'url', errors: [`url ${problem}`] }]);
    const max = this.config.webhooks.maxPerUser;
    if ((await this.webhooks.countBy({ user_id: userId })) >= max) {
      throw new AppException('CONFLICT', `A user may have at most ${max} webhooks`);
    }
    const { secret, sealed } = this.secrets.create();
    const id = randomUUID();
    await this.webhooks.insert({
      id,
      user_id: userId,
      url: dto.url,
      events: [...new Set(dto.events)].join(','),
      description: dto.description ?? null,
      secret: sealed,
    });
    await this.subscriptions.changed(userId);
    return { webhook: await this.get(userId, id), secret };
  }

  async list(userId: string, query: PageQueryDto): Promise<Page<WebhookEntity>> {
    const [records, total] = await this.webhooks.findAndCount({
      where: { user_id: userId },
      order: { created_at: 'DESC', id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  /** The caller's webhook; another user's is indistinguishable from an absent one. */
  async get(userId: string, id: string): Promise<WebhookEntity> {
    const webhook = await this.webhooks.findOneBy({ id, user_id: userId });
    if (!webhook) throw new AppException('WEBHOOK_NOT_FOUND', `Webhook ${id} not found`);
    return webhook;
  }

  /** Deletes the webhook and its delivery log; queued attempts then find nothing to send. */
  async remove(userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `DELETE a FROM webhook_delivery_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = ?`,
        [id],
      );
      await tx.delete(WebhookDeliveryEntity, { webhook_id: id });
      await tx.delete(WebhookEntity, { id, user_id: userId });
    });
    this.secrets.forgetWebhook(id);
    await this.subscriptions.changed(userId);
  }

  /** Queues a `webhook.test` event to the webhook. */
  async test(userId: string, id: string): Promise<WebhookDeliveryEntity> {
    const webhook = await this.get(userId, id);
    const payload: WebhookPayload = {
      id: randomUUID(),
      type: WEBHOOK_TEST_EVENT,
      created_at: new Date().toISOString(),
      data: {
        webhook: { id: webhook.id, url: webhook.url, events: webhookEvents(webhook) },
      },
    };
    return this.post({
      id: randomUUID(),
      webhook_id: webhook.id,
      user_id: userId,
      event_id: payload.id,
      event_type: payload.type,
      execution_id: null,
      url: webhook.url,
      payload: JSON.stringify(payload),
    });
  }

  async listDeliveries(
    userId: string,
    webhookId: string,
    query: DeliveryQueryDto,
  ): Promise<Page<DeliveryWithAttempts>> {
    await this.get(userId, webhookId);
    return this.findDeliveries({ ...this.filters(userId, query), webhook_id: webhookId }, query);
  }

  async listAllDeliveries(
    userId: string,
    query: AllDeliveriesQueryDto,
  ): Promise<Page<DeliveryWithAttempts>> {
    const where = this.filters(userId, query);
    if (query.webhook_id !== undefined) where.webhook_id = query.webhook_id;
    if (query.kind === 'callback') where.webhook_id = IsNull();
    if (query.kind === 'webhook' && query.webhook_id === undefined)
      where.webhook_id = Not(IsNull());
    return this.findDeliveries(where, query);
  }

  async getDelivery(userId: string, id: string): Promise<DeliveryWithAttempts> {
    const delivery = await this.deliveries.findOneBy({ id, user_id: userId });
    if (!delivery) throw new AppException('DELIVERY_NOT_FOUND', `Delivery ${id} not found`);
    return { delivery, attempts: await this.attemptsOf([id]).then((m) => m.get(id) ?? []) };
  }

  /** A new series of attempts for the same event: same body and event id, new delivery id. */
  async redeliver(userId: string, id: string): Promise<WebhookDeliveryEntity> {
    const original = await this.deliveries
      .createQueryBuilder('d')
      .addSelect('d.payload')
      .where('d.id = :id AND d.user_id = :userId', { id, userId })
      .getOne();
    if (!original) throw new AppException('DELIVERY_NOT_FOUND', `Delivery ${id} not found`);
    return this.post({
      id: randomUUID(),
      webhook_id: original.webhook_id,
      user_id: userId,
      event_id: original.event_id,
      event_type: original.event_type,
      execution_id: original.execution_id,
      url: original.url,
      payload: original.payload,
      redelivery_of: original.id,
    });
  }

  callbackSecret(userId: string): Promise<string> {
    return this.secrets.callbackSecret(userId);
  }

  private async post(row: NewDelivery): Promise<WebhookDeliveryEntity> {
    await this.outbox.post([row]);
    return this.deliveries.findOneByOrFail({ id: row.id });
  }

  private filters(
    userId: string,
    query: DeliveryQueryDto,
  ): FindOptionsWhere<WebhookDeliveryEntity> {
    const where: FindOptionsWhere<WebhookDeliveryEntity> = { user_id: userId };
    if (query.status !== undefined) where.status = query.status;
    if (query.execution_id !== undefined) where.execution_id = query.execution_id;
    return where;
  }

  private async findDeliveries(
    where: FindOptionsWhere<WebhookDeliveryEntity>,
    query: PageQueryDto,
  ): Promise<Page<DeliveryWithAttempts>> {
    const [rows, total] = await this.deliveries.findAndCount({
      where,
      order: { created_at: 'DESC', id: 'ASC' },
      ...pageWindow(query),
    });
    const attempts = await this.attemptsOf(rows.map((r) => r.id));
    return {
      total,
      records: rows.map((delivery) => ({
        delivery,
        attempts: attempts.get(delivery.id) ?? [],
      })),
    };
  }

  private async attemptsOf(ids: string[]): Promise<Map<string, WebhookDeliveryAttemptEntity[]>> {
    const byDelivery = new Map<string, WebhookDeliveryAttemptEntity[]>();
    if (!ids.length) return byDelivery;
    const rows = await this.attempts.find({
      where: { delivery_id: In(ids) },
      order: { attempt: 'ASC', id: 'ASC' },
    });
    for (const row of rows) {
      byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row]);
    }
    return byDelivery;
  }
}

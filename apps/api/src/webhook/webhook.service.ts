import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig, AppException, Page, PageQueryDto } from '@app/common';
import { AllDeliveriesQueryDto, DeliveryQueryDto } from './dto/delivery-query.dto';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { testPayload } from './dto/webhook-payload';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity } from './entities/webhook.entity';
import {
  DeliveryFilter,
  DeliveryWithAttempts,
  NewDelivery,
  WebhookDeliveryRepository,
} from './webhook-delivery.repository';
import { WebhookOutbox } from './webhook.outbox';
import { WebhookSecrets } from './webhook.secrets';
import { WebhookSubscriptions } from './webhook.subscriptions';
import { targetUrlProblem } from './webhook-target';
import { WebhookRepository } from './webhook.repository';

export type { DeliveryWithAttempts } from './webhook-delivery.repository';

/** Webhooks of a user (docs/webhooks.md), their delivery log, redelivery and the callback secret. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
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
    if ((await this.webhooks.countOf(userId)) >= max) {
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

  list(userId: string, query: PageQueryDto): Promise<Page<WebhookEntity>> {
    return this.webhooks.page(userId, query);
  }

  /** The caller's webhook; another user's is indistinguishable from an absent one. */
  async get(userId: string, id: string): Promise<WebhookEntity> {
    const webhook = await this.webhooks.findOwned(userId, id);
    if (!webhook) throw new AppException('WEBHOOK_NOT_FOUND', `Webhook ${id} not found`);
    return webhook;
  }

  /** Deletes the webhook and its delivery log; queued attempts then find nothing to send. */
  async remove(userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    await this.webhooks.removeWithDeliveries(userId, id);
    this.secrets.forgetWebhook(id);
    await this.subscriptions.changed(userId);
  }

  /** Queues a `webhook.test` event to the webhook. */
  async test(userId: string, id: string): Promise<WebhookDeliveryEntity> {
    const webhook = await this.get(userId, id);
    const payload = testPayload(randomUUID(), webhook);
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
    return this.deliveries.page({ ...filterOf(userId, query), target: { webhookId } }, query);
  }

  listAllDeliveries(
    userId: string,
    query: AllDeliveriesQueryDto,
  ): Promise<Page<DeliveryWithAttempts>> {
    const target: DeliveryFilter['target'] =
      query.kind === 'callback'
        ? 'callbacks'
        : query.webhook_id !== undefined
          ? { webhookId: query.webhook_id }
          : query.kind === 'webhook'
            ? 'webhooks'
            : undefined;
    return this.deliveries.page({ ...filterOf(userId, query), target }, query);
  }

  async getDelivery(userId: string, id: string): Promise<DeliveryWithAttempts> {
    const delivery = await this.deliveries.findOwned(userId, id);
    if (!delivery) throw new AppException('DELIVERY_NOT_FOUND', `Delivery ${id} not found`);
    const attempts = await this.deliveries.attemptsOf([id]);
    return { delivery, attempts: attempts.get(id) ?? [] };
  }

  /** A new series of attempts for the same event: same body and event id, new delivery id. */
  async redeliver(userId: string, id: string): Promise<WebhookDeliveryEntity> {
    const original = await this.deliveries.withPayload(id, userId);
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
    return this.deliveries.getById(row.id);
  }
}

const filterOf = (userId: string, query: DeliveryQueryDto): DeliveryFilter => ({
  userId,
  ...(query.status !== undefined ? { status: query.status } : {}),
  ...(query.execution_id !== undefined ? { executionId: query.execution_id } : {}),
});

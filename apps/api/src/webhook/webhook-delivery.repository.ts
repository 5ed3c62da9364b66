import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, In, IsNull, LessThan, Not, Repository } from 'typeorm';
import { Page, PageQueryDto, pageWindow } from '@app/common';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookDeliveryAttemptEntity } from './entities/webhook-delivery-attempt.entity';

export interface NewDelivery {
  id: string;
  webhook_id: string | null;
  user_id: string;
  event_id: string;
  event_type: string;
  execution_id: string | null;
  url: string;
  payload: string;
  redelivery_of?: string | null;
}

export type NewAttempt = Pick<
  WebhookDeliveryAttemptEntity,
  'delivery_id' | 'attempt' | 'status_code' | 'error' | 'response_excerpt' | 'duration_ms'
>;

export type DeliveryProgress = Pick<
  WebhookDeliveryEntity,
  'status' | 'last_error' | 'completed_at'
> &
  Partial<Pick<WebhookDeliveryEntity, 'attempts' | 'last_status_code' | 'next_attempt_at'>>;

export interface DeliveryWithAttempts {
  delivery: WebhookDeliveryEntity;
  attempts: WebhookDeliveryAttemptEntity[];
}

/** Which deliveries of a user to list. */
export interface DeliveryFilter {
  userId: string;
  status?: DeliveryStatus;
  executionId?: string;
  /** A webhook's deliveries, or every webhook's, or the runs' callbacks only. */
  target?: { webhookId: string } | 'webhooks' | 'callbacks';
}

/**
 * The `webhook_deliveries` and `webhook_delivery_attempts` tables (the delivery log): the only
 * class that reads or writes them, apart from a webhook's deletion (WebhookRepository).
 */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(
    @InjectRepository(WebhookDeliveryEntity)
    private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookDeliveryAttemptEntity)
    private readonly attempts: Repository<WebhookDeliveryAttemptEntity>,
  ) {}

  /** Writes pending deliveries; one whose id exists already is left as it is. */
  async insertIgnoringExisting(rows: NewDelivery[]): Promise<void> {
    if (!rows.length) return;
    await this.deliveries
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryEntity)
      .values(rows.map((row) => ({ ...row, status: DeliveryStatus.Pending, attempts: 0 })))
      .orIgnore()
      .execute();
  }

  getById(id: string): Promise<WebhookDeliveryEntity> {
    return this.deliveries.findOneByOrFail({ id });
  }

  findOwned(userId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOneBy({ id, user_id: userId });
  }

  /** With its body (not read otherwise); `userId` restricts it to that user's. */
  withPayload(id: string, userId?: string): Promise<WebhookDeliveryEntity | null> {
    const query = this.deliveries
      .createQueryBuilder('d')
      .addSelect('d.payload')
      .where('d.id = :id', { id });
    if (userId !== undefined) query.andWhere('d.user_id = :userId', { userId });
    return query.getOne();
  }

  async page(filter: DeliveryFilter, query: PageQueryDto): Promise<Page<DeliveryWithAttempts>> {
    const [rows, total] = await this.deliveries.findAndCount({
      where: whereOf(filter),
      order: { created_at: 'DESC', id: 'ASC' },
      ...pageWindow(query),
    });
    const attempts = await this.attemptsOf(rows.map((r) => r.id));
    return {
      total,
      records: rows.map((delivery) => ({ delivery, attempts: attempts.get(delivery.id) ?? [] })),
    };
  }

  async attemptsOf(ids: string[]): Promise<Map<string, WebhookDeliveryAttemptEntity[]>> {
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

  /** The highest attempt number logged for a delivery (0 when none). */
  async lastAttempt(deliveryId: string): Promise<number> {
    const row = await this.attempts
      .createQueryBuilder('a')
      .select('MAX(a.attempt)', 'max')
      .where('a.delivery_id = :deliveryId', { deliveryId })
      .getRawOne<{ max: number | null }>();
    return Number(row?.max ?? 0);
  }

  async logAttempt(attempt: NewAttempt): Promise<void> {
    await this.attempts.insert(attempt);
  }

  async record(id: string, progress: DeliveryProgress): Promise<void> {
    await this.deliveries.update({ id }, progress);
  }

  /**
   * Deletes up to `batchSize` finished deliveries created before `cutoff`, with their attempts;
   * answers how many went and whether the batch was full (more may be left).
   */
  async pruneBatch(cutoff: Date, batchSize: number): Promise<{ deleted: number; full: boolean }> {
    const batch = await this.deliveries.find({
      select: { id: true },
      where: { created_at: LessThan(cutoff), status: Not(DeliveryStatus.Pending) },
      take: batchSize,
    });
    if (!batch.length) return { deleted: 0, full: false };
    const ids = batch.map((d) => d.id);
    await this.attempts.delete({ delivery_id: In(ids) });
    const deleted = (await this.deliveries.delete({ id: In(ids) })).affected ?? 0;
    return { deleted, full: batch.length >= batchSize };
  }
}

function whereOf(filter: DeliveryFilter): FindOptionsWhere<WebhookDeliveryEntity> {
  const where: FindOptionsWhere<WebhookDeliveryEntity> = { user_id: filter.userId };
  if (filter.status !== undefined) where.status = filter.status;
  if (filter.executionId !== undefined) where.execution_id = filter.executionId;
  if (filter.target === 'callbacks') where.webhook_id = IsNull();
  else if (filter.target === 'webhooks') where.webhook_id = Not(IsNull());
  else if (filter.target) where.webhook_id = filter.target.webhookId;
  return where;
}

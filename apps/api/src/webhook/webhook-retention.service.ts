import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Not, Repository } from 'typeorm';
import { AppConfig } from '@app/common';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookDeliveryAttemptEntity } from './entities/webhook-delivery-attempt.entity';

/**
 * The delivery log follows the executions' retention: finished deliveries created more than
 * EXECUTION_RETENTION_DAYS ago go, with their attempts, in batches of RETENTION_BATCH_SIZE.
 * Pending ones stay until they finish.
 */
@Injectable()
export class WebhookRetention {
  private readonly logger = new Logger(WebhookRetention.name);

  constructor(
    @InjectRepository(WebhookDeliveryEntity)
    private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookDeliveryAttemptEntity)
    private readonly attempts: Repository<WebhookDeliveryAttemptEntity>,
    private readonly config: AppConfig,
  ) {}

  async prune(now = new Date()): Promise<{ deliveries: number; cutoff: string }> {
    const { days, batchSize } = this.config.retention;
    const cutoff = new Date(now.getTime() - days * 24 * 3600 * 1000);
    let deliveries = 0;
    for (;;) {
      const batch = await this.deliveries.find({
        select: { id: true },
        where: { created_at: LessThan(cutoff), status: Not(DeliveryStatus.Pending) },
        take: batchSize,
      });
      if (!batch.length) break;
      const ids = batch.map((d) => d.id);
      await this.attempts.delete({ delivery_id: In(ids) });
      deliveries += (await this.deliveries.delete({ id: In(ids) })).affected ?? 0;
      if (batch.length < batchSize) break;
    }
    if (deliveries)
      this.logger.log(
        `Pruned ${deliveries} webhook deliveries created before ${cutoff.toISOString()}`,
      );
    return { deliveries, cutoff: cutoff.toISOString() };
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';

/**
 * The delivery log follows the executions' retention: finished deliveries created more than
 * EXECUTION_RETENTION_DAYS ago go, with their attempts, in batches of RETENTION_BATCH_SIZE.
 * Pending ones stay until they finish.
 */
@Injectable()
export class WebhookRetention {
  private readonly logger = new Logger(WebhookRetention.name);

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly config: AppConfig,
  ) {}

  async prune(now = new Date()): Promise<{ deliveries: number; cutoff: string }> {
    const { days, batchSize } = this.config.retention;
    const cutoff = new Date(now.getTime() - days * 24 * 3600 * 1000);
    let deliveries = 0;
    for (let full = true; full;) {
      const batch = await this.deliveries.pruneBatch(cutoff, batchSize);
      deliveries += batch.deleted;
      full = batch.full;
    }
    if (deliveries)
      this.logger.log(
        `Pruned ${deliveries} webhook deliveries created before ${cutoff.toISOString()}`,
      );
    return { deliveries, cutoff: cutoff.toISOString() };
  }
}

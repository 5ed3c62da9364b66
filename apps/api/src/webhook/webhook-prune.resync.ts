import { Injectable } from '@nestjs/common';
import { AppConfig, KeptScheduler, RedisService } from '@app/common';
import { WebhookOutbox } from './webhook.outbox';

/**
 * Worker role: keeps the delivery log's pruning scheduler in Redis, checked at start-up, every
 * SCHEDULE_RESYNC_MS and when Redis is back.
 */
@Injectable()
export class WebhookPruneResync extends KeptScheduler {
  constructor(
    private readonly outbox: WebhookOutbox,
    redis: RedisService,
    config: AppConfig,
  ) {
    super('the delivery log pruning', redis, config);
  }

  protected ensure(): Promise<boolean> {
    return this.outbox.ensurePruneSchedule();
  }
}

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_SHUTDOWN_EVENT, AppConfig, RedisService, SchedulerKeeper } from '@app/common';
import { WebhookOutbox } from './webhook.outbox';

/**
 * Worker role: keeps the delivery log's pruning scheduler in Redis (see SchedulerKeeper),
 * checked at start-up, every SCHEDULE_RESYNC_MS and when Redis is back.
 */
@Injectable()
export class WebhookPruneResync implements OnApplicationBootstrap {
  private readonly keeper: SchedulerKeeper;

  constructor(
    outbox: WebhookOutbox,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.keeper = new SchedulerKeeper(
      'the delivery log pruning',
      () => outbox.ensurePruneSchedule(),
      new Logger(WebhookPruneResync.name),
    );
  }

  onApplicationBootstrap(): void {
    this.keeper.start(this.config.schedules.resyncMs, this.redis);
  }

  @OnEvent(APP_SHUTDOWN_EVENT)
  stop(): Promise<void> {
    return this.keeper.stop();
  }
}

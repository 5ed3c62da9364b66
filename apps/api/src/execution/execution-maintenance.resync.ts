import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_SHUTDOWN_EVENT, AppConfig, RedisService, SchedulerKeeper } from '@app/common';
import { MaintenanceQueue } from './maintenance.queue';

/**
 * Worker role: keeps the retention job scheduler in Redis (see SchedulerKeeper), checked at
 * start-up, every SCHEDULE_RESYNC_MS and when Redis is back, so retention never stops quietly.
 */
@Injectable()
export class ExecutionMaintenanceResync implements OnApplicationBootstrap {
  private readonly keeper: SchedulerKeeper;

  constructor(
    maintenance: MaintenanceQueue,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.keeper = new SchedulerKeeper(
      'the execution retention',
      () => maintenance.ensureRetentionSchedule(),
      new Logger(ExecutionMaintenanceResync.name),
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

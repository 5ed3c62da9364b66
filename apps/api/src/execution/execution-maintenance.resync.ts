import { Injectable } from '@nestjs/common';
import { AppConfig, KeptScheduler, RedisService } from '@app/common';
import { MaintenanceQueue } from './maintenance.queue';

/**
 * Worker role: keeps the retention job scheduler in Redis, checked at start-up, every
 * SCHEDULE_RESYNC_MS and when Redis is back, so retention never stops quietly.
 */
@Injectable()
export class ExecutionMaintenanceResync extends KeptScheduler {
  constructor(
    private readonly maintenance: MaintenanceQueue,
    redis: RedisService,
    config: AppConfig,
  ) {
    super('the execution retention', redis, config);
  }

  protected ensure(): Promise<boolean> {
    return this.maintenance.ensureRetentionSchedule();
  }
}

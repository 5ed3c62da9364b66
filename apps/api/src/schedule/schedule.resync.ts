import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, KeptScheduler, RedisService } from '@app/common';
import { ScheduleService } from './schedule.service';

/**
 * Worker role: re-syncs the job schedulers of user schedules from MySQL at start-up, every
 * SCHEDULE_RESYNC_MS and as soon as Redis answers again, so a flushed or replaced Redis starts
 * ticking again by itself.
 */
@Injectable()
export class ScheduleResync extends KeptScheduler {
  private readonly logger = new Logger(ScheduleResync.name);

  constructor(
    private readonly schedules: ScheduleService,
    redis: RedisService,
    config: AppConfig,
  ) {
    super('the user schedules', redis, config);
  }

  protected async ensure(): Promise<boolean> {
    const r = await this.schedules.resync();
    if (r.removed || r.orphans) {
      this.logger.log(
        `Schedules re-synced: ${r.ensured} active, ${r.removed} stale job schedulers removed, ${r.orphans} orphans deleted`,
      );
    }
    // The report above says what changed; the keeper's "created" line would repeat it.
    return false;
  }
}

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_SHUTDOWN_EVENT, AppConfig, RedisService, SchedulerKeeper } from '@app/common';
import { ScheduleService } from './schedule.service';

/**
 * Worker role: re-syncs the job schedulers of user schedules from MySQL at start-up, every
 * SCHEDULE_RESYNC_MS and as soon as Redis answers again (see SchedulerKeeper), so a flushed
 * or replaced Redis starts ticking again by itself.
 */
@Injectable()
export class ScheduleResync implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScheduleResync.name);
  private readonly keeper: SchedulerKeeper;

  constructor(
    schedules: ScheduleService,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.keeper = new SchedulerKeeper(
      'the user schedules',
      async () => {
        const r = await schedules.resync();
        if (r.removed || r.orphans) {
          this.logger.log(
            `Schedules re-synced: ${r.ensured} active, ${r.removed} stale job schedulers removed, ${r.orphans} orphans deleted`,
          );
        }
        // Recreated schedulers are not told apart from kept ones: the report above is enough.
        return false;
      },
      this.logger,
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

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ScheduleService } from './schedule.service';

/**
 * Worker role: re-syncs the job schedulers from MySQL at start-up and every
 * SCHEDULE_RESYNC_MS, so a flushed or replaced Redis starts ticking again by itself.
 */
@Injectable()
export class ScheduleResync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleResync.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly schedules: ScheduleService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.run();
    this.timer = setInterval(() => this.run(), this.config.schedules.resyncMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    this.running = this.schedules
      .resync()
      .then((r) => {
        if (r.removed || r.orphans) {
          this.logger.log(
            `Schedules re-synced: ${r.ensured} active, ${r.removed} stale job schedulers removed, ${r.orphans} orphans deleted`,
          );
        }
      })
      .catch((err: Error) => this.logger.error(`Schedule re-sync failed: ${err.message}`))
      .finally(() => (this.running = undefined));
  }
}

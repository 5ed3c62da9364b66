import { Logger, LoggerService, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppConfig } from '../config';
import { APP_SHUTDOWN_EVENT } from '../lifecycle/shutdown';
import { RedisService } from '../redis/redis.service';

/**
 * Keeps a job scheduler of the service's own in Redis, in a worker process: `ensure` runs at
 * start, every `everyMs` and as soon as Redis answers again after being away, never two at
 * once. So a worker that started while Redis was away, or a Redis that lost its data (a
 * restart without persistence, a failover to an empty replica), gets the scheduler back
 * without a restart. A timer in the process, not a job scheduler: Redis may be what forgot.
 * `ensure` resolves true when it (re)created the scheduler.
 */
export class SchedulerKeeper {
  private timer?: NodeJS.Timeout;
  private stopListening?: () => void;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly ensure: () => Promise<boolean>,
    private readonly logger: Pick<LoggerService, 'log' | 'warn'>,
  ) {}

  start(everyMs: number, redis: Pick<RedisService, 'onResubscribe'>): void {
    this.stopped = false;
    this.stopListening = redis.onResubscribe(() => void this.runOnce());
    this.timer = setInterval(() => void this.runOnce(), everyMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** Ends the timer and waits for the pass in flight (bounded: its Redis calls have deadlines). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    await this.running;
  }

  /** One pass, or the one in flight. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      if (await this.ensure()) this.logger.log(`Job scheduler of ${this.what} created`);
    } catch (err) {
      this.logger.warn(`Could not schedule ${this.what}: ${(err as Error).message}`);
    }
  }
}

/**
 * A worker-role provider keeping one job scheduler with a SchedulerKeeper, every
 * SCHEDULE_RESYNC_MS: a feature extends it with what the scheduler is and how to ensure it.
 */
export abstract class KeptScheduler implements OnApplicationBootstrap {
  private readonly keeper: SchedulerKeeper;

  protected constructor(
    what: string,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.keeper = new SchedulerKeeper(what, () => this.ensure(), new Logger(new.target.name));
  }

  /** Makes Redis hold the scheduler; true when it had to be (re)created. */
  protected abstract ensure(): Promise<boolean>;

  onApplicationBootstrap(): void {
    this.keeper.start(this.config.schedules.resyncMs, this.redis);
  }

  @OnEvent(APP_SHUTDOWN_EVENT)
  stop(): Promise<void> {
    return this.keeper.stop();
  }
}

import type { LoggerService } from '@nestjs/common';
import type { RedisService } from '../redis/redis.service';

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

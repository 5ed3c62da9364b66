import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_SHUTDOWN_EVENT, AppConfig, RedisUnavailable } from '@app/common';
import { ExecutionReconciler } from './execution.reconciler';
import { ExecutionRepository } from './execution.repository';
import { FRESH_ROW_MS } from './execution.runner';

/** Rows younger than this are left alone: their start (or task creation) may be in flight. */
const MIN_AGE_FLOOR_MS = 15_000;

/**
 * Worker role: every RECONCILE_INTERVAL_MS, one worker (whichever takes the MySQL lock: Redis
 * may be the part that forgot, so it cannot hold the lock) looks for PENDING/RUNNING executions
 * without a live job and puts them back on track, so a Redis that lost its data (a restart
 * without persistence, a failover to an empty replica) loses no run. A timer in each process,
 * not a BullMQ job scheduler: a flushed Redis forgets its schedulers too.
 */
@Injectable()
export class PeriodicReconciliationService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PeriodicReconciliationService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly reconciler: ExecutionReconciler,
    private readonly executions: ExecutionRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * Long enough for a start to write its row and queue its job (a few seconds at most, see
   * REDIS_DEADLINE_MS), and for one robot create call and the backoff after it (the runner
   * marks a row older than FRESH_ROW_MS before each attempt), so no run gets a second job, nor
   * a second robot task, while its first is being made.
   */
  get minAgeMs(): number {
    return Math.max(MIN_AGE_FLOOR_MS, this.config.robot.httpTimeoutMs + 5_000 + FRESH_ROW_MS);
  }

  onApplicationBootstrap(): void {
    const every = this.config.reconcileIntervalMs;
    if (every <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), every);
    this.timer.unref();
  }

  @OnEvent(APP_SHUTDOWN_EVENT)
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass if this process gets the lock; false when another holds it (or one runs here). */
  async runOnce(): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      const pass = await this.executions.whileReconcileLocked(() =>
        this.reconciler.reconcile({ minAgeMs: this.minAgeMs }),
      );
      if (!pass.ran) return false;
      const report = pass.value;
      const acted = report.requeued + report.resumed + report.failed + report.errors;
      if (acted > 0) {
        this.logger.warn(
          { reconcile: { ...report, items: report.items.slice(0, 50) } },
          `Reconciliation: ${report.requeued} requeued, ${report.resumed} resumed, ` +
            `${report.failed} failed, ${report.errors} errors of ${report.checked} active`,
        );
      }
      return true;
    } catch (err) {
      if (err instanceof RedisUnavailable)
        this.logger.warn(`Reconciliation skipped: ${err.message}`);
      else this.logger.error({ err }, 'Reconciliation failed');
      return false;
    } finally {
      this.running = false;
    }
  }
}

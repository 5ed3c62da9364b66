import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobState } from 'bullmq';
import { AppConfig } from '@app/common';
import { ExecutionEntity, ExecutionStatus, isFinal } from './entities/execution.entity';
import { ExecutionErrors, ExecutionFailure } from './execution.constants';
import { ExecutionQueue } from './execution.queue';
import { ActiveRowCursor, ExecutionRepository } from './execution.repository';
import { ExecutionTransitions } from './execution.transitions';

export type ReconcileAction = 'requeued' | 'resumed' | 'failed' | 'error';

export interface ReconcileItem {
  execution_id: string;
  status: ExecutionStatus;
  /** The job's state when it was checked; `missing` when there was none. */
  job_state: string;
  action: ReconcileAction;
  detail: string;
}

export interface ReconcileReport {
  /** PENDING/RUNNING executions looked at. */
  checked: number;
  /** Of those, how many had a live job (waiting, active, delayed…) and were left alone. */
  live: number;
  requeued: number;
  resumed: number;
  failed: number;
  errors: number;
  /** What was done, one entry per execution acted on (live ones are not listed). */
  items: ReconcileItem[];
}

/** A job in one of these states will be (or is being) processed. */
const LIVE_STATES = new Set<string>([
  'waiting',
  'wait',
  'active',
  'delayed',
  'prioritized',
  'paused',
  'waiting-children',
]);

const BATCH = 200;
const PARALLEL = 20;

/**
 * Finds executions left PENDING/RUNNING without a live job (the job is missing, or ended as
 * completed/failed while the row did not) and puts them back on track:
 * - PENDING: enqueued again (job id = execution id, so this never makes two jobs);
 * - RUNNING with a robot_task_id: enqueued again; the runner follows the stored task and
 *   never creates a second one;
 * - RUNNING without a task id cannot be resumed: ended as FAILED.
 * Used by `POST /admin/reconcile`, at start by workers (RECONCILE_ON_START) and every
 * RECONCILE_INTERVAL_MS by one worker (PeriodicReconciliationService), so neither a crash between
 * writing a row and queueing its job nor a Redis that lost its data leaves a run behind. Every step is
 * idempotent (conditional updates, job ids), so concurrent runs from several workers are safe.
 */
@Injectable()
export class ExecutionReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExecutionReconciler.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly queue: ExecutionQueue,
    private readonly transitions: ExecutionTransitions,
    private readonly config: AppConfig,
  ) {}

  /** Not awaited: a worker must start (and report not ready) while Redis or MySQL is away. */
  onApplicationBootstrap(): void {
    if (!this.config.runsWorker || !this.config.reconcileOnStart) return;
    void this.reconcileAtStart();
  }

  private async reconcileAtStart(): Promise<void> {
    try {
      const report = await this.reconcile();
      const acted = report.requeued + report.resumed + report.failed + report.errors;
      if (acted > 0) {
        this.logger.warn(
          { reconcile: { ...report, items: report.items.slice(0, 50) } },
          `Start-up reconciliation: ${report.requeued} requeued, ${report.resumed} resumed, ` +
            `${report.failed} failed, ${report.errors} errors of ${report.checked} active`,
        );
      }
    } catch (err) {
      // Never a reason not to start: the admin route can run it again.
      this.logger.error({ err }, 'Start-up reconciliation failed');
    }
  }

  /**
   * One pass over the active rows. `minAgeMs` leaves alone rows changed more recently (the
   * periodic pass: a start may be between its insert and its enqueue); the start-up pass and
   * the admin route look at every row. Stops at the first RedisUnavailable: with Redis away
   * there is nothing to compare with.
   */
  async reconcile(options: { minAgeMs?: number } = {}): Promise<ReconcileReport> {
    const minAgeMs = options.minAgeMs ?? 0;
    const report: ReconcileReport = {
      checked: 0,
      live: 0,
      requeued: 0,
      resumed: 0,
      failed: 0,
      errors: 0,
      items: [],
    };
    // Keyset pagination over the active rows, oldest first; rows handled here leave the set
    // or stay behind the cursor, so each is looked at once.
    let cursor: ActiveRowCursor | undefined;
    for (;;) {
      const changedBefore = new Date(Date.now() - minAgeMs);
      const rows = await this.executions.activeAfter(cursor, changedBefore, BATCH);
      if (rows.length === 0) break;
      for (let i = 0; i < rows.length; i += PARALLEL) {
        const items = await Promise.all(rows.slice(i, i + PARALLEL).map((r) => this.check(r.id)));
        for (const item of items) {
          report.checked++;
          if (!item) {
            report.live++;
            continue;
          }
          report.items.push(item);
          if (item.action === 'error') report.errors++;
          else report[item.action]++;
        }
      }
      const last = rows[rows.length - 1];
      cursor = { created_at: last.created_at, id: last.id };
      if (rows.length < BATCH) break;
    }
    return report;
  }

  /** Puts one execution back on track; undefined when its job is live (or it has ended). */
  private async check(id: string): Promise<ReconcileItem | undefined> {
    const state: JobState | 'unknown' = await this.queue.state(id);
    if (LIVE_STATES.has(state)) return undefined;
    // Read after the job: an execution that ended meanwhile is left alone.
    const execution = await this.executions.findById(id);
    if (!execution || isFinal(execution.status)) return undefined;
    const base = {
      execution_id: id,
      status: execution.status,
      job_state: state === 'unknown' ? 'missing' : state,
    };
    try {
      if (execution.status === ExecutionStatus.Running && !execution.robot_task_id) {
        await this.fail(execution, ExecutionErrors.notResumable);
        return { ...base, action: 'failed', detail: ExecutionErrors.notResumable.message };
      }
      if (state !== 'unknown') {
        // A finished job keeps its id: it must go before the execution can be queued again.
        const job = await this.queue.job(id);
        await job?.remove();
      }
      await this.queue.enqueue(
        { executionId: id, requestId: execution.request_id ?? undefined },
        Number(execution.priority),
      );
      return execution.robot_task_id
        ? { ...base, action: 'resumed', detail: `following robot task ${execution.robot_task_id}` }
        : { ...base, action: 'requeued', detail: 'queued again' };
    } catch (err) {
      this.logger.warn(`Could not reconcile execution ${id}: ${(err as Error).message}`);
      return { ...base, action: 'error', detail: (err as Error).message };
    }
  }

  private async fail(execution: ExecutionEntity, error: ExecutionFailure): Promise<void> {
    await this.transitions.end(execution, { status: ExecutionStatus.Failed, error });
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, sleep } from '@app/common';
import { ExecutionEntity, ExecutionStatus, isFinal } from './entities/execution.entity';
import { ExecutionErrors, ExecutionFailure } from './execution.constants';
import { ExecutionCancellation, throwIfInterrupted } from './execution.cancellation';
import { ExecutionTransitions } from './execution.transitions';
import { ExecutionRepository } from './execution.repository';
import { ExecutionProgressRecorder } from './execution-progress.recorder';
import { RobotCallContext, RobotClient, RobotError, RobotTaskState } from './robot/robot-client';
import { RobotPollPacer } from './robot-poll-pacer';
import { Outcome, isEndState, outcomeOf } from './robot-task-outcome';

/** See createTask; PeriodicReconciliationService's age threshold allows for it. */
export const FRESH_ROW_MS = 2000;

/** What one step leaves: the run has ended (or is not ours), or when to look again. */
export type StepOutcome =
  | { done: true }
  | { done: false; lookAt: number; /** Consecutive failed queries so far. */ failures: number };

const DONE: StepOutcome = { done: true };

/**
 * Follows one execution from PENDING to its end (docs/robot-service.md) one short step at a
 * time, so a run waiting on its robot holds no worker slot: the first step creates the robot
 * task (retrying transport errors and 5xx with backoff), stores its id and queries it once;
 * every later step queries it once. Between steps the job is parked until `lookAt`, which
 * never passes the run's deadline. Progress and log lines are recorded on the way, and the
 * row ends exactly once with a conditional update. Unexpected errors (database, Redis)
 * propagate so that BullMQ retries the job; a retried or resumed job follows the stored task
 * and never creates a second one.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);

  constructor(
    private readonly store: ExecutionRepository,
    private readonly recorder: ExecutionProgressRecorder,
    private readonly robot: RobotClient,
    private readonly transitions: ExecutionTransitions,
    private readonly cancellation: ExecutionCancellation,
    private readonly config: AppConfig,
    private readonly pacer: RobotPollPacer,
  ) {}

  /** One step; `failures` is what the previous step returned (0 for the first). */
  async step(executionId: string, failures = 0, requestId?: string): Promise<StepOutcome> {
    const signal = this.cancellation.track(executionId);
    try {
      return await this.follow(executionId, signal, failures, requestId);
    } finally {
      this.cancellation.untrack(executionId, signal);
    }
  }

  /** Called when BullMQ has used up the job's attempts on internal errors. */
  async giveUp(executionId: string, reason: string): Promise<void> {
    const execution = await this.store.findById(executionId);
    if (!execution || isFinal(execution.status)) return;
    await this.end(execution, {
      status: ExecutionStatus.Failed,
      error: ExecutionErrors.workerGaveUp(reason),
    });
  }

  private async follow(
    executionId: string,
    signal: AbortSignal,
    failures: number,
    requestId?: string,
  ): Promise<StepOutcome> {
    let execution = await this.store.findById(executionId);
    if (!execution) return DONE;
    const ctx: RobotCallContext = {
      executionId,
      requestId: requestId ?? execution.request_id ?? undefined,
    };

    if (isFinal(execution.status)) {
      // Cancelled while this job waited, was parked, or a crashed worker held it.
      if (execution.status === ExecutionStatus.Cancelled && execution.robot_task_id) {
        await this.cancelRobotTask(execution.robot_task_id, ctx);
      }
      return DONE;
    }

    const limitMs = execution.timeout_ms ?? this.config.robot.timeoutMs;
    const deadline = (execution.start_time?.getTime() ?? Date.now()) + limitMs;

    if (!execution.robot_task_id) {
      const created = await this.createTask(execution, ctx, signal, deadline);
      if ('error' in created) {
        await this.end(execution, { status: ExecutionStatus.Failed, error: created.error });
        return DONE;
      }
      const started = await this.markRunning(execution, created.taskId);
      if (!started) {
        // Cancelled while the task was being created: the robot must stop it too.
        await this.cancelRobotTask(created.taskId, ctx);
        return DONE;
      }
      execution = started;
    } else if (execution.status === ExecutionStatus.Pending) {
      execution = (await this.markRunning(execution, execution.robot_task_id)) ?? execution;
    }
    // The first query goes out at once: an instant task must not wait a poll interval.
    return this.look(execution, ctx, signal, deadline, limitMs, failures);
  }

  private async createTask(
    execution: ExecutionEntity,
    ctx: RobotCallContext,
    signal: AbortSignal,
    deadline: number,
  ): Promise<{ taskId: string } | { error: ExecutionFailure }> {
    const attempts = this.config.robot.createAttempts;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      throwIfInterrupted(signal);
      // A row untouched for a while could look abandoned to the periodic reconciliation while
      // this call is in flight: mark it first (fresh rows, the usual case, skip the write).
      if (Date.now() - new Date(execution.updated_at).getTime() > FRESH_ROW_MS) {
        await this.store.touchPending(execution.id);
        execution.updated_at = new Date();
      }
      try {
        const taskId = await this.robot.createTask(
          {
            project_id: execution.project_id,
            params: execution.parameters ?? {},
            exec_position: execution.exec_position,
            user_id: execution.user_id,
            priority: execution.priority,
          },
          ctx,
        );
        return { taskId };
      } catch (err) {
        if (!(err instanceof RobotError)) throw err;
        throwIfInterrupted(signal);
        const last =
          attempt >= attempts || !err.retryable || signal.aborted || Date.now() >= deadline;
        this.logger.warn(
          `Robot create attempt ${attempt}/${attempts} for ${execution.id} failed: ${err.message}`,
        );
        if (last && Date.now() >= deadline)
          return { error: ExecutionErrors.timedOut(deadline - started) };
        if (last) return { error: ExecutionErrors.createFailed(err.message) };
        await sleep(Math.min(250 * 2 ** (attempt - 1), 5000), signal);
        // Cancelled during the backoff: create no task for a cancelled run.
        throwIfInterrupted(signal);
        if (signal.aborted) return { error: ExecutionErrors.cancelled };
      }
    }
  }

  private markRunning(execution: ExecutionEntity, taskId: string): Promise<ExecutionEntity | null> {
    return this.transitions.markRunning(execution, taskId);
  }

  /** One query of the task; ends the run, or plans the next look. */
  private async look(
    execution: ExecutionEntity,
    ctx: RobotCallContext,
    signal: AbortSignal,
    deadline: number,
    limitMs: number,
    failures: number,
  ): Promise<StepOutcome> {
    const taskId = execution.robot_task_id as string;
    if (await this.stopIfCancelled(signal, taskId, ctx)) return DONE;
    if (Date.now() >= deadline) {
      await this.cancelRobotTask(taskId, ctx);
      await this.end(execution, {
        status: ExecutionStatus.Failed,
        error: ExecutionErrors.timedOut(limitMs),
      });
      return DONE;
    }
    let state: RobotTaskState | undefined;
    try {
      state = await this.robot.getTask(taskId, ctx);
      failures = 0;
    } catch (err) {
      if (!(err instanceof RobotError)) throw err;
      if (!err.retryable) {
        // A 4xx: the robot no longer knows the task, asking again will not help.
        await this.end(execution, {
          status: ExecutionStatus.Failed,
          error: ExecutionErrors.taskFailed(`the robot service refused the query: ${err.message}`),
        });
        return DONE;
      }
      failures++;
      this.logger.warn(`Robot query ${failures} for ${execution.id} failed: ${err.message}`);
      if (failures > this.config.robot.queryFailuresTolerated) {
        await this.end(execution, {
          status: ExecutionStatus.Failed,
          error: ExecutionErrors.robotUnreachable(err.message),
        });
        return DONE;
      }
    }
    if (state) {
      const progress = state.progress;
      if (!isEndState(state) && progress !== null && progress !== Number(execution.progress)) {
        execution.progress = progress;
        await this.recorder.progress(execution, progress);
      }
      await this.recordLogs(execution, state);
      if (isEndState(state)) {
        await this.end(execution, outcomeOf(state));
        return DONE;
      }
    }
    // Cancelled while the query was out: stop now rather than at the next look.
    if (await this.stopIfCancelled(signal, taskId, ctx)) return DONE;
    const delay = this.robot.nextLookWithin(taskId, this.nextDelay(execution, failures));
    return { done: false, lookAt: await this.pacer.plan(delay, deadline), failures };
  }

  /**
   * Adaptive without state kept between steps: about as long as the task has run so far
   * (so from ROBOT_POLL_MIN_MS doubling to ROBOT_POLL_MAX_MS), backing off after failed
   * queries; a robot that pushes the end is only looked at every ROBOT_POLL_FALLBACK_MS.
   */
  private nextDelay(execution: ExecutionEntity, failures: number): number {
    const { pollMinMs, pollMaxMs, pollFallbackMs } = this.config.robot;
    if (failures > 0) return Math.min(pollMinMs * 2 ** failures, pollMaxMs);
    if (this.robot.pushesEnd) return pollFallbackMs;
    const running = Date.now() - (execution.start_time?.getTime() ?? Date.now());
    return Math.min(Math.max(running, pollMinMs), pollMaxMs);
  }

  /** Log lines the robot reports beyond those stored (only read when it reports any). */
  private async recordLogs(execution: ExecutionEntity, state: RobotTaskState): Promise<void> {
    if (state.logs.length === 0) return;
    const stored = await this.recorder.storedLogCount(execution.id);
    if (state.logs.length > stored) await this.recorder.logs(execution, state, stored);
  }

  private async stopIfCancelled(
    signal: AbortSignal,
    taskId: string,
    ctx: RobotCallContext,
  ): Promise<boolean> {
    if (!signal.aborted) return false;
    throwIfInterrupted(signal);
    await this.cancelRobotTask(taskId, ctx);
    return true;
  }

  /** Ends the run unless someone else (a cancel) already did; publishes the final event. */
  private async end(execution: ExecutionEntity, outcome: Outcome): Promise<boolean> {
    return (await this.transitions.end(execution, outcome)) !== null;
  }

  private async cancelRobotTask(taskId: string, ctx: RobotCallContext): Promise<void> {
    try {
      await this.robot.cancelTask(taskId, ctx);
    } catch (err) {
      this.logger.warn(`Could not cancel robot task ${taskId}: ${(err as Error).message}`);
    }
  }
}

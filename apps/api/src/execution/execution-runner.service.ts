import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, JsonObject, sleep } from '@app/common';
import {
  ACTIVE_STATUSES,
  ExecutionEntity,
  ExecutionStatus,
  isFinal,
} from './entities/execution.entity';
import { ExecutionErrors } from './execution.constants';
import { ExecutionEventType } from './execution.events';
import { ExecutionCancellation, throwIfInterrupted } from './execution-cancellation.service';
import { ExecutionEventBus } from './execution-event-bus.service';
import { ExecutionStore } from './execution.store';
import { ExecutionProgressRecorder } from './execution-progress.recorder';
import { toEvent } from './execution-event.factory';
import { RobotCallContext, RobotClient, RobotError, RobotTaskState } from './robot/robot-client';

/** See createTask; PeriodicReconciliation's age threshold allows for it. */
export const FRESH_ROW_MS = 2000;

type Outcome = { status: ExecutionStatus; result?: JsonObject | null; error?: string | null };

/**
 * Follows one execution from PENDING to its end (docs/robot-service.md): creates the robot task (retrying
 * transport errors and 5xx with backoff), stores its id before polling, polls adaptively,
 * records progress and log lines, and ends the row exactly once with a conditional update.
 * Unexpected errors (database, Redis) propagate so that BullMQ retries the job; a retried or
 * resumed job follows the stored task and never creates a second one.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);

  constructor(
    private readonly store: ExecutionStore,
    private readonly recorder: ExecutionProgressRecorder,
    private readonly robot: RobotClient,
    private readonly bus: ExecutionEventBus,
    private readonly cancellation: ExecutionCancellation,
    private readonly config: AppConfig,
  ) {}

  async run(executionId: string, requestId?: string): Promise<void> {
    const signal = this.cancellation.track(executionId);
    try {
      await this.follow(executionId, signal, requestId);
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
    requestId?: string,
  ): Promise<void> {
    let execution = await this.store.findById(executionId);
    if (!execution) return;
    const ctx: RobotCallContext = {
      executionId,
      requestId: requestId ?? execution.request_id ?? undefined,
    };

    if (isFinal(execution.status)) {
      // Cancelled while this job waited or while a crashed worker held it.
      if (execution.status === ExecutionStatus.Cancelled && execution.robot_task_id) {
        await this.cancelRobotTask(execution.robot_task_id, ctx);
      }
      return;
    }

    const limitMs = execution.timeout_ms ?? this.config.robot.timeoutMs;
    const deadline = (execution.start_time?.getTime() ?? Date.now()) + limitMs;

    const resumed = execution.robot_task_id !== null;
    if (!execution.robot_task_id) {
      const created = await this.createTask(execution, ctx, signal, deadline);
      if ('error' in created) {
        await this.end(execution, { status: ExecutionStatus.Failed, error: created.error });
        return;
      }
      const started = await this.markRunning(execution, created.taskId);
      if (!started) {
        // Cancelled while the task was being created: the robot must stop it too.
        await this.cancelRobotTask(created.taskId, ctx);
        return;
      }
      execution = started;
    } else if (execution.status === ExecutionStatus.Pending) {
      execution = (await this.markRunning(execution, execution.robot_task_id)) ?? execution;
    }
    await this.poll(execution, ctx, signal, deadline, limitMs, resumed);
  }

  private async createTask(
    execution: ExecutionEntity,
    ctx: RobotCallContext,
    signal: AbortSignal,
    deadline: number,
  ): Promise<{ taskId: string } | { error: string }> {
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

  private async markRunning(
    execution: ExecutionEntity,
    taskId: string,
  ): Promise<ExecutionEntity | null> {
    const startTime = execution.start_time ?? new Date();
    const updated = await this.store.transition(execution.id, ACTIVE_STATUSES, {
      status: ExecutionStatus.Running,
      robot_task_id: taskId,
      start_time: startTime,
    });
    if (!updated) return null;
    const running = {
      ...execution,
      status: ExecutionStatus.Running,
      robot_task_id: taskId,
      start_time: startTime,
    };
    if (execution.status === ExecutionStatus.Pending) {
      await this.bus.publish(toEvent(running as ExecutionEntity, ExecutionEventType.Started));
    }
    return running as ExecutionEntity;
  }

  private async poll(
    execution: ExecutionEntity,
    ctx: RobotCallContext,
    signal: AbortSignal,
    deadline: number,
    limitMs: number,
    resumed: boolean,
  ): Promise<void> {
    const taskId = execution.robot_task_id as string;
    let delay = this.config.robot.pollMinMs;
    let failures = 0;
    let progress = Number(execution.progress);
    // Only a resumed run can have stored lines already; a fresh one skips the query.
    let loggedLines = resumed ? await this.recorder.storedLogCount(execution.id) : 0;

    // The first query goes out at once: an instant task must not wait a poll interval.
    for (;;) {
      if (signal.aborted) {
        throwIfInterrupted(signal);
        await this.cancelRobotTask(taskId, ctx);
        return;
      }
      if (Date.now() >= deadline) {
        await this.cancelRobotTask(taskId, ctx);
        await this.end(execution, {
          status: ExecutionStatus.Failed,
          error: ExecutionErrors.timedOut(limitMs),
        });
        return;
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
            error: ExecutionErrors.taskFailed(
              `the robot service refused the query: ${err.message}`,
            ),
          });
          return;
        }
        failures++;
        this.logger.warn(`Robot query ${failures} for ${execution.id} failed: ${err.message}`);
        if (failures > this.config.robot.queryFailuresTolerated) {
          await this.end(execution, {
            status: ExecutionStatus.Failed,
            error: ExecutionErrors.robotUnreachable(err.message),
          });
          return;
        }
      }
      if (state) {
        if (state.progress !== null && state.progress !== progress && !this.isEnd(state)) {
          progress = state.progress;
          execution.progress = progress;
          await this.recorder.progress(execution, progress);
        }
        loggedLines = await this.recorder.logs(execution, state, loggedLines);
        if (this.isEnd(state)) {
          await this.end(execution, this.outcomeOf(state));
          return;
        }
      }
      await this.robot.waitForChange(
        taskId,
        Math.min(delay, Math.max(deadline - Date.now(), 0)),
        signal,
      );
      delay = Math.min(delay * 2, this.config.robot.pollMaxMs);
    }
  }

  private isEnd(state: RobotTaskState): boolean {
    return (
      state.status === 'COMPLETED' || state.status === 'FAILED' || state.status === 'CANCELLED'
    );
  }

  private outcomeOf(state: RobotTaskState): Outcome {
    if (state.status === 'COMPLETED') {
      return { status: ExecutionStatus.Completed, result: state.result ?? { data: {} } };
    }
    if (state.status === 'CANCELLED') {
      return {
        status: ExecutionStatus.Cancelled,
        error: `${ExecutionErrors.cancelled} by the robot service`,
      };
    }
    return {
      status: ExecutionStatus.Failed,
      error: ExecutionErrors.taskFailed(state.error ?? 'no reason given'),
    };
  }

  /** Ends the run unless someone else (a cancel) already did; publishes the final event. */
  private async end(execution: ExecutionEntity, outcome: Outcome): Promise<boolean> {
    const patch = {
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      end_time: new Date(),
      ...(outcome.status === ExecutionStatus.Completed ? { progress: 100 } : {}),
    };
    if (!(await this.store.transition(execution.id, ACTIVE_STATUSES, patch))) return false;
    const type =
      outcome.status === ExecutionStatus.Completed
        ? ExecutionEventType.Completed
        : outcome.status === ExecutionStatus.Cancelled
          ? ExecutionEventType.Cancelled
          : ExecutionEventType.Failed;
    await this.bus.publish(toEvent({ ...execution, ...patch } as ExecutionEntity, type));
    return true;
  }

  private async cancelRobotTask(taskId: string, ctx: RobotCallContext): Promise<void> {
    try {
      await this.robot.cancelTask(taskId, ctx);
    } catch (err) {
      this.logger.warn(`Could not cancel robot task ${taskId}: ${(err as Error).message}`);
    }
  }
}

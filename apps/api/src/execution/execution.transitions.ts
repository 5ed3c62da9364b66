import { Injectable } from '@nestjs/common';
import { JsonObject } from '@app/common';
import { ACTIVE_STATUSES, ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionFailure } from './execution.constants';
import { ExecutionEventType } from './execution.events';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionEvents } from './execution-event.factory';
import { ExecutionRepository } from './execution.repository';

/** The statuses each status may be entered from: the one state machine of a run. */
export const ENTERED_FROM: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  [ExecutionStatus.Pending]: [],
  // A resumed run records its task again while RUNNING.
  [ExecutionStatus.Running]: ACTIVE_STATUSES,
  [ExecutionStatus.Completed]: ACTIVE_STATUSES,
  [ExecutionStatus.Failed]: ACTIVE_STATUSES,
  [ExecutionStatus.Cancelled]: ACTIVE_STATUSES,
};

/** The event a run's entering `status` announces. */
export const EVENT_OF_END = {
  [ExecutionStatus.Completed]: ExecutionEventType.Completed,
  [ExecutionStatus.Failed]: ExecutionEventType.Failed,
  [ExecutionStatus.Cancelled]: ExecutionEventType.Cancelled,
} as const;

export type EndStatus = keyof typeof EVENT_OF_END;

/** How a run ends: a completed run has its result, any other end says why (code and message). */
export type Ending =
  | { status: ExecutionStatus.Completed; result: JsonObject }
  | { status: ExecutionStatus.Failed | ExecutionStatus.Cancelled; error: ExecutionFailure };

export interface EndOptions {
  /** Narrower than the table: end the run only from these statuses. */
  from?: readonly ExecutionStatus[];
  /**
   * Announce without waiting or failing (the caller is already answering an outage, and
   * the event would only wait for the Redis that is away).
   */
  announceBestEffort?: boolean;
}

/**
 * Applies a run's state changes: a conditional update (only from the statuses the table
 * allows, so each run ends exactly once whoever races to end it), then the event of the
 * change, published by the one process whose update took effect.
 */
@Injectable()
export class ExecutionTransitions {
  constructor(
    private readonly executions: ExecutionRepository,
    private readonly bus: ExecutionEventBus,
  ) {}

  /**
   * Records the run's robot task and marks it RUNNING (again, for a resumed run); announces
   * `started` only when it leaves PENDING. The running run, or null when it ended meanwhile.
   */
  async markRunning(execution: ExecutionEntity, taskId: string): Promise<ExecutionEntity | null> {
    const patch = {
      status: ExecutionStatus.Running,
      robot_task_id: taskId,
      start_time: execution.start_time ?? new Date(),
    };
    const from = allowedFrom(ExecutionStatus.Running);
    if (!(await this.executions.transition(execution.id, from, patch))) return null;
    const running = Object.assign(new ExecutionEntity(), execution, patch);
    if (execution.status === ExecutionStatus.Pending) {
      await this.bus.publish(ExecutionEvents.started(running));
    }
    return running;
  }

  /** Ends the run; the ended run, or null when it had already left `from`. */
  async end(
    execution: ExecutionEntity,
    ending: Ending,
    options: EndOptions = {},
  ): Promise<ExecutionEntity | null> {
    const ended = await this.apply(execution, ending, options.from);
    if (!ended) return null;
    const event = ExecutionEvents.ended(ended, EVENT_OF_END[ending.status]);
    if (options.announceBestEffort) this.bus.publishSafely(event);
    else await this.bus.publish(event);
    return ended;
  }

  /**
   * Ends an active run as CANCELLED. `settle` runs between the update and the event (the job
   * removed, the worker told, the robot task stopped) and answers the run as the event is to
   * show it. Null when the run had already ended.
   */
  async cancel(
    execution: ExecutionEntity,
    error: ExecutionFailure,
    settle: (cancelled: ExecutionEntity) => Promise<ExecutionEntity>,
  ): Promise<ExecutionEntity | null> {
    const cancelled = await this.apply(execution, { status: ExecutionStatus.Cancelled, error });
    if (!cancelled) return null;
    const settled = await settle(cancelled);
    await this.bus.publish(ExecutionEvents.cancelled(settled));
    return settled;
  }

  private async apply(
    execution: ExecutionEntity,
    ending: Ending,
    only?: readonly ExecutionStatus[],
  ): Promise<ExecutionEntity | null> {
    const completed = ending.status === ExecutionStatus.Completed;
    const patch = {
      status: ending.status,
      result: completed ? ending.result : null,
      error: completed ? null : ending.error.message,
      error_code: completed ? null : ending.error.code,
      end_time: new Date(),
      ...(completed ? { progress: 100 } : {}),
    };
    const from = allowedFrom(ending.status, only);
    if (!(await this.executions.transition(execution.id, from, patch))) return null;
    return Object.assign(new ExecutionEntity(), execution, patch);
  }
}

/** `from`, checked against the table; a status outside it is a programming error. */
export function allowedFrom(
  to: ExecutionStatus,
  from: readonly ExecutionStatus[] = ENTERED_FROM[to],
): readonly ExecutionStatus[] {
  const outside = from.filter((status) => !ENTERED_FROM[to].includes(status));
  if (outside.length > 0 || from.length === 0) {
    throw new Error(`No transition to ${to} from ${from.join(', ') || 'nothing'}`);
  }
  return from;
}

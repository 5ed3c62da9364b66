import { JsonObject } from '@app/common';
import type { ExecutionErrorCode } from '../execution.constants';

export type RobotTaskStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface RobotTaskState {
  status: RobotTaskStatus;
  progress: number | null;
  result: JsonObject | null;
  error: string | null;
  /** Why a FAILED task failed, when the robot knows more than its sentence (an executor fault). */
  errorCode?: ExecutionErrorCode;
  /** Every log line so far; the robot may omit them. */
  logs: Array<{ seq?: number; level?: string; message: string }>;
}

export interface RobotTaskInput {
  project_id: string;
  params: JsonObject;
  exec_position: string;
  /** The run's owner and priority: executors are chosen among the owner's (docs/executors.md). */
  user_id?: string;
  priority?: number;
}

export interface RobotCallContext {
  requestId?: string;
  /** Sent as Idempotency-Key, so a create retried after a crash can find its first task. */
  executionId: string;
}

/** A failed robot call; `retryable` for transport errors and 5xx, not for 4xx. */
export class RobotError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RobotError';
  }
}

/**
 * The robot behind one class. Implementations: HTTP (ROBOT_MODE=http), the in-process
 * simulator (ROBOT_MODE=simulator) and the user's executors over `/ws` (ROBOT_MODE=executor).
 */
export abstract class RobotClient {
  abstract createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string>;
  abstract getTask(taskId: string, ctx: RobotCallContext): Promise<RobotTaskState>;
  abstract cancelTask(taskId: string, ctx: RobotCallContext): Promise<void>;
  /** Reachability, for readiness reports. */
  abstract ping(): Promise<void>;
  /**
   * Whether the end of a task is pushed (executor replies, callbacks), so that polling is only
   * the fallback (ROBOT_POLL_FALLBACK_MS) rather than the way the end is seen.
   */
  get pushesEnd(): boolean {
    return false;
  }

  /**
   * How soon the task should be looked at again, at most `ms`: a robot may know of an earlier
   * moment that matters (an executor's grace ending). Called after a query of the same task.
   */
  nextLookWithin(_taskId: string, ms: number): number {
    return ms;
  }

  /** Called with the execution id when the robot pushes a change of one of its tasks. */
  onPush(_listener: (executionId: string) => void): void {}
}

const STATUS_ALIASES: Record<string, RobotTaskStatus> = {
  PENDING: 'PENDING',
  QUEUED: 'PENDING',
  WAITING: 'PENDING',
  RUNNING: 'RUNNING',
  PROCESSING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  SUCCESS: 'COMPLETED',
  SUCCEEDED: 'COMPLETED',
  DONE: 'COMPLETED',
  FAILED: 'FAILED',
  ERROR: 'FAILED',
  CANCELLED: 'CANCELLED',
  CANCELED: 'CANCELLED',
};

/** A robot's error as text; an object is read by its message or shown as JSON. */
function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error !== 'object') return String(error);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

/** Reads a robot's `execution` object defensively: robots are outside our control. */
export function parseTaskState(raw: unknown): RobotTaskState {
  if (!raw || typeof raw !== 'object')
    throw new RobotError('robot answered without an execution', true);
  const source = raw as Record<string, unknown>;
  const status = STATUS_ALIASES[String(source.status ?? '').toUpperCase()];
  if (!status)
    throw new RobotError(`robot answered an unknown status "${String(source.status)}"`, true);
  // Number(null), Number('') and Number(true) are numbers: only numbers and numeric strings count.
  const rawProgress = source.progress;
  const progress =
    typeof rawProgress === 'number' || (typeof rawProgress === 'string' && rawProgress.trim())
      ? Number(rawProgress)
      : NaN;
  const result = source.result;
  const logs = Array.isArray(source.logs)
    ? source.logs
        .map((l: unknown) => (typeof l === 'string' ? { message: l } : l))
        .filter((l): l is Record<string, unknown> => !!l && typeof l === 'object')
        .map((l) => ({
          seq: typeof l.seq === 'number' ? l.seq : undefined,
          level: typeof l.level === 'string' ? l.level : undefined,
          message: String(l.message ?? ''),
        }))
    : [];
  return {
    status,
    progress: Number.isFinite(progress) ? Math.max(0, Math.min(100, Math.round(progress))) : null,
    result:
      result && typeof result === 'object' && !Array.isArray(result)
        ? (result as JsonObject)
        : result === undefined || result === null
          ? null
          : { data: result },
    error: errorText(source.error),
    logs,
  };
}

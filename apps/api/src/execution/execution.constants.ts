import type { NoJobData, TraceCarrier } from '@app/common';

export const EXECUTION_QUEUE = 'executions';

export const ExecutionJob = {
  Run: 'run',
} as const;

export interface ExecutionJobData {
  executionId: string;
  /** The X-Request-ID of the request that started the run, for logs and the robot. */
  requestId?: string;
  /** W3C trace context of the code that enqueued the run: the run's span continues it. */
  trace?: TraceCarrier;
  /** Consecutive failed robot queries, carried from one step of the run to the next. */
  queryFailures?: number;
}

/** Each job of the executions queue and its data (see JobOf). */
export interface ExecutionJobs {
  [ExecutionJob.Run]: ExecutionJobData;
}

/** Redis channels (namespaced by REDIS_PREFIX). */
export const EXECUTION_EVENTS_CHANNEL = 'executions:events';
export const EXECUTION_CANCEL_CHANNEL = 'executions:cancel';

/**
 * Why a run ended FAILED or CANCELLED, stored in `execution.error_code` next to the sentence in
 * `error`: the machine-readable half, so the wire codes (/rpa/v1/exec, MCP snapshots) are read
 * from data and `error` stays free text. Set exactly when the run ended FAILED or CANCELLED.
 */
export const ExecutionErrorCode = {
  /** The robot task could not be created (a 4xx, or the create attempts ran out). */
  CreateFailed: 'create_failed',
  /** The robot reported its task failed. */
  RobotError: 'robot_error',
  /** The run's time limit passed. */
  Timeout: 'timeout',
  /** Queries of the task kept failing beyond ROBOT_QUERY_FAILURES_TOLERATED. */
  RobotUnreachable: 'robot_unreachable',
  /** Cancelled by a caller, or by the robot service. */
  Cancelled: 'cancelled',
  /** The row was written but its job could not be queued (Redis away). */
  QueueUnavailable: 'queue_unavailable',
  /** The worker used up the job's attempts on internal errors. */
  WorkerGaveUp: 'worker_gave_up',
  /** The run cannot be followed: RUNNING without a task id and without a job, or imported unfinished. */
  Lost: 'lost',
  /** ROBOT_MODE=executor: no executor of the owner was connected and free in time. */
  NoExecutor: 'no_executor',
  /** ROBOT_MODE=executor: the executor's connection dropped and it did not come back to answer. */
  ExecutorLost: 'executor_lost',
  /** The robot service reported the task failed because the client to run it is offline. */
  ClientOffline: 'client_offline',
  /** A failure recorded before codes existed whose message names no known cause. */
  Unknown: 'unknown',
} as const;
export type ExecutionErrorCode = (typeof ExecutionErrorCode)[keyof typeof ExecutionErrorCode];
export const EXECUTION_ERROR_CODES = Object.values(ExecutionErrorCode);

/** How a run failed: the code to act on and the sentence for people. */
export interface ExecutionFailure {
  code: ExecutionErrorCode;
  message: string;
}

const failure = (code: ExecutionErrorCode, message: string): ExecutionFailure => ({
  code,
  message,
});

/** The failures the service records; the messages keep their stable prefixes for readers. */
export const ExecutionErrors = {
  createFailed: (detail: string) =>
    failure(ExecutionErrorCode.CreateFailed, `Robot task could not be created: ${detail}`),
  /** `code`: what the robot said of the cause, when it knows (an executor fault). */
  taskFailed: (detail: string, code: ExecutionErrorCode = ExecutionErrorCode.RobotError) =>
    failure(code, `Robot task failed: ${detail}`),
  timedOut: (ms: number) =>
    failure(ExecutionErrorCode.Timeout, `Robot task timed out after ${ms} ms`),
  robotUnreachable: (detail: string) =>
    failure(
      ExecutionErrorCode.RobotUnreachable,
      `Robot service unreachable while following the task: ${detail}`,
    ),
  cancelled: failure(ExecutionErrorCode.Cancelled, 'Cancelled'),
  cancelledByRobot: failure(ExecutionErrorCode.Cancelled, 'Cancelled by the robot service'),
  enqueueFailed: failure(ExecutionErrorCode.QueueUnavailable, 'The execution could not be queued'),
  workerGaveUp: (detail: string) =>
    failure(
      ExecutionErrorCode.WorkerGaveUp,
      `Execution aborted after repeated internal errors: ${detail}`,
    ),
  notResumable: failure(
    ExecutionErrorCode.Lost,
    'Execution lost its job while RUNNING without a robot task id; it cannot be resumed',
  ),
} as const;

/** Housekeeping jobs (retention), on their own queue so they never wait behind runs. */
export const MAINTENANCE_QUEUE = 'maintenance';
export const MaintenanceJob = {
  PruneExecutions: 'prune-executions',
} as const;
/** Each job of the maintenance queue and its data (see JobOf). */
export interface MaintenanceJobs {
  [MaintenanceJob.PruneExecutions]: NoJobData;
}
export const PRUNE_EVERY_MS = 3600 * 1000;

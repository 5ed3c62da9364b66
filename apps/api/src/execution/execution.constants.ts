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

/** Stable prefixes of `execution.error`, so clients (and the /rpa/v1/exec codes) can tell failures apart. */
export const ExecutionErrors = {
  createFailed: (detail: string) => `Robot task could not be created: ${detail}`,
  taskFailed: (detail: string) => `Robot task failed: ${detail}`,
  timedOut: (ms: number) => `Robot task timed out after ${ms} ms`,
  robotUnreachable: (detail: string) =>
    `Robot service unreachable while following the task: ${detail}`,
  cancelled: 'Cancelled',
  enqueueFailed: 'The execution could not be queued',
  workerGaveUp: (detail: string) => `Execution aborted after repeated internal errors: ${detail}`,
  notResumable:
    'Execution lost its job while RUNNING without a robot task id; it cannot be resumed',
} as const;

export type FailureKind = 'create_failed' | 'task_failed' | 'timeout' | 'cancelled' | 'other';

export function failureKind(error: string | null): FailureKind {
  if (!error) return 'other';
  if (error.startsWith('Robot task could not be created')) return 'create_failed';
  if (error.startsWith('Robot task timed out')) return 'timeout';
  if (error.startsWith('Robot task failed')) return 'task_failed';
  if (error.startsWith('Cancelled')) return 'cancelled';
  return 'other';
}

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

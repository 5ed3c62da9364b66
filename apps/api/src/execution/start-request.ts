import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { AppException, JsonObject } from '@app/common';
import type { WorkflowEntity } from '../workflow';
import type { StartBudget } from '../limits';
import { ExecutionEntity, ExecutionStatus, ExecutionTrigger } from './entities/execution.entity';
import { startRequestHash } from './start-request-hash';
import { DEFAULT_PRIORITY } from './start-priority';

/** A request to start a run, whichever route (REST, legacy, MCP, schedule, retry) carried it. */
export interface StartExecutionInput {
  userId: string;
  projectId: string;
  params?: JsonObject | null;
  execPosition?: string;
  priority?: number;
  reference?: string;
  timeoutMs?: number;
  callbackUrl?: string;
  trigger: ExecutionTrigger;
  idempotencyKey?: string;
  requestId?: string;
  retryOf?: string;
  /**
   * Extra conditions of the caller on the workflow (e.g. the version a client pinned), run
   * after an idempotent replay was ruled out and before anything is stored; throws to refuse.
   */
  admit?: (workflow: WorkflowEntity) => void;
  /** The per-key start budget this start spends (every start path has one). */
  budget: StartBudget;
}

/** How a run should go, as every route's body can ask for it. */
export type RunOptions = Pick<
  StartExecutionInput,
  'params' | 'execPosition' | 'priority' | 'reference' | 'timeoutMs' | 'callbackUrl'
>;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const isIdempotencyKey = (key: string): boolean => IDEMPOTENCY_KEY.test(key);

export function checkIdempotencyKey(key: string): void {
  if (!isIdempotencyKey(key)) {
    throw AppException.validation([
      { field: 'Idempotency-Key', errors: ['must be 1-255 printable ASCII characters'] },
    ]);
  }
}

export function checkTimeout(timeoutMs: number | undefined, maxMs: number): void {
  if (timeoutMs !== undefined && timeoutMs > maxMs) {
    throw AppException.validation([
      { field: 'timeout_ms', errors: [`timeout_ms must not exceed ${maxMs}`] },
    ]);
  }
}

/** The PENDING row a start writes, with the defaults every route shares. */
export function pendingExecution(
  workflow: WorkflowEntity,
  input: StartExecutionInput,
  now = new Date(),
): ExecutionEntity {
  return Object.assign(new ExecutionEntity(), {
    id: randomUUID(),
    project_id: workflow.project_id,
    workflow_version: workflow.version,
    user_id: input.userId,
    status: ExecutionStatus.Pending,
    parameters: input.params ?? {},
    result: null,
    error: null,
    error_code: null,
    exec_position: input.execPosition ?? 'EXECUTOR',
    progress: 0,
    robot_task_id: null,
    trigger: input.trigger,
    priority: input.priority ?? DEFAULT_PRIORITY,
    reference: input.reference ?? null,
    timeout_ms: input.timeoutMs ?? null,
    retry_of: input.retryOf ?? null,
    callback_url: input.callbackUrl ?? null,
    idempotency_key: input.idempotencyKey ?? null,
    idempotency_hash: input.idempotencyKey === undefined ? null : startRequestHash(input),
    request_id: input.requestId ?? null,
    start_time: null,
    end_time: null,
    created_at: now,
    updated_at: now,
  });
}

/** The run an earlier start with the same key and request made (its insert won). */
export const isDuplicateKey = (err: unknown): boolean =>
  err instanceof QueryFailedError &&
  (err.driverError as { code?: string })?.code === 'ER_DUP_ENTRY';

/**
 * The same key and request give the first execution; a different request under the key is
 * refused. Runs stored before requests were hashed are compared by workflow only.
 */
export function replayOf(existing: ExecutionEntity, input: StartExecutionInput): ExecutionEntity {
  const same =
    existing.idempotency_hash === null
      ? existing.project_id === input.projectId
      : existing.idempotency_hash === startRequestHash(input);
  if (!same) {
    throw new AppException(
      'IDEMPOTENCY_CONFLICT',
      'This idempotency key was already used for a different request; use a new key for a new run',
    );
  }
  return existing;
}

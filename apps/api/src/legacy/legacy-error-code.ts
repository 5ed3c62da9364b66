import { ExecutionErrorCode } from '../execution';

/** The prefixes failure messages had before codes were stored, and the codes they stand for. */
const PREFIXES: ReadonlyArray<readonly [string, ExecutionErrorCode]> = [
  ['Robot task could not be created', ExecutionErrorCode.CreateFailed],
  ['Robot task timed out', ExecutionErrorCode.Timeout],
  ['Robot task failed: NO_EXECUTOR:', ExecutionErrorCode.NoExecutor],
  ['Robot task failed: EXECUTOR_LOST:', ExecutionErrorCode.ExecutorLost],
  ['Robot task failed', ExecutionErrorCode.RobotError],
  ['Robot service unreachable while following the task', ExecutionErrorCode.RobotUnreachable],
  ['Cancelled', ExecutionErrorCode.Cancelled],
  ['The execution could not be queued', ExecutionErrorCode.QueueUnavailable],
  ['Execution aborted after repeated internal errors', ExecutionErrorCode.WorkerGaveUp],
  ['Execution lost its job while RUNNING', ExecutionErrorCode.Lost],
  ['Timed out on the legacy service', ExecutionErrorCode.Lost],
  ['Imported while ', ExecutionErrorCode.Lost],
];

const NAMES_OFFLINE = /NO_EXECUTOR|EXECUTOR_LOST|offline/i;

/**
 * The code of a run whose failure was recorded as a sentence only: a legacy service's row, or
 * one this service wrote before it stored codes. Read once, as the row is imported; the same
 * rules gave the rows already here their code (migration 1764700000000). Null for a run that
 * did not fail.
 */
export function errorCodeOfMessage(
  status: string,
  error: string | null,
): ExecutionErrorCode | null {
  if (status === 'CANCELLED') return ExecutionErrorCode.Cancelled;
  if (status !== 'FAILED') return null;
  const message = error ?? '';
  const known = PREFIXES.find(([prefix]) => message.startsWith(prefix))?.[1];
  if (known === ExecutionErrorCode.RobotError && NAMES_OFFLINE.test(message)) {
    return ExecutionErrorCode.ClientOffline;
  }
  if (known) return known;
  return NAMES_OFFLINE.test(message)
    ? ExecutionErrorCode.ClientOffline
    : ExecutionErrorCode.Unknown;
}

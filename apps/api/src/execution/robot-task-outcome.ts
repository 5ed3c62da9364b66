import { ExecutionStatus } from './entities/execution.entity';
import { ExecutionErrorCode, ExecutionErrors } from './execution.constants';
import { Ending } from './execution.transitions';
import { RobotTaskState } from './robot/robot-client';

/** How a run ends: the row's final status, and its result or its failure. */
export type Outcome = Ending;

export function isEndState(state: RobotTaskState): boolean {
  return state.status === 'COMPLETED' || state.status === 'FAILED' || state.status === 'CANCELLED';
}

/** A task that ended, as its run ends (a COMPLETED task without a result gets `{data: {}}`). */
export function outcomeOf(state: RobotTaskState): Outcome {
  if (state.status === 'COMPLETED') {
    return { status: ExecutionStatus.Completed, result: state.result ?? { data: {} } };
  }
  if (state.status === 'CANCELLED') {
    return { status: ExecutionStatus.Cancelled, error: ExecutionErrors.cancelledByRobot };
  }
  const reason = state.error ?? 'no reason given';
  return {
    status: ExecutionStatus.Failed,
    error: ExecutionErrors.taskFailed(reason, state.errorCode ?? robotFailureCode(reason)),
  };
}

/**
 * A robot service that knows no codes only says why in a sentence: one naming an absent client
 * (the platform's robot services, or another instance of this service following executors)
 * is read once here, as the task's failure is recorded.
 */
const OFFLINE = /NO_EXECUTOR|EXECUTOR_LOST|offline/i;

function robotFailureCode(reason: string): ExecutionErrorCode {
  return OFFLINE.test(reason) ? ExecutionErrorCode.ClientOffline : ExecutionErrorCode.RobotError;
}

import { ExecutionStatus } from './entities/execution.entity';
import { ExecutionErrors } from './execution.constants';
import { Ending } from './execution-transitions.service';
import { RobotTaskState } from './robot/robot-client';

/** How a run ends: the row's final status, result and error. */
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

import { EXECUTION_ERROR_CODES, ExecutionErrors } from './execution.constants';

describe('ExecutionErrors', () => {
  it('should give every failure the service records its code and its stable message', () => {
    expect([
      ExecutionErrors.createFailed('HTTP 400'),
      ExecutionErrors.taskFailed('paper jam'),
      ExecutionErrors.timedOut(1500),
      ExecutionErrors.robotUnreachable('HTTP 500'),
      ExecutionErrors.cancelled,
      ExecutionErrors.cancelledByRobot,
      ExecutionErrors.enqueueFailed,
      ExecutionErrors.workerGaveUp('db down'),
      ExecutionErrors.notResumable,
    ]).toEqual([
      { code: 'create_failed', message: 'Robot task could not be created: HTTP 400' },
      { code: 'robot_error', message: 'Robot task failed: paper jam' },
      { code: 'timeout', message: 'Robot task timed out after 1500 ms' },
      {
        code: 'robot_unreachable',
        message: 'Robot service unreachable while following the task: HTTP 500',
      },
      { code: 'cancelled', message: 'Cancelled' },
      { code: 'cancelled', message: 'Cancelled by the robot service' },
      { code: 'queue_unavailable', message: 'The execution could not be queued' },
      {
        code: 'worker_gave_up',
        message: 'Execution aborted after repeated internal errors: db down',
      },
      {
        code: 'lost',
        message:
          'Execution lost its job while RUNNING without a robot task id; it cannot be resumed',
      },
    ]);
  });

  it("should keep a robot task's failure code when the robot names its cause", () => {
    const sut = ExecutionErrors.taskFailed('NO_EXECUTOR: none free', 'no_executor');

    expect(sut).toEqual({
      code: 'no_executor',
      message: 'Robot task failed: NO_EXECUTOR: none free',
    });
  });

  it('should fit every code in the error_code column', () => {
    for (const code of EXECUTION_ERROR_CODES) expect(code).toMatch(/^[a-z_]{1,32}$/);
  });
});

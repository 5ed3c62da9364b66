import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionErrors, ExecutionFailure } from './execution.constants';
import { RpaCode, rpaFinalEvent } from './rpa-exec.service';

const execution = (patch: Partial<ExecutionEntity>): ExecutionEntity =>
  ({
    id: 'e-1',
    status: ExecutionStatus.Completed,
    result: null,
    error: null,
    error_code: null,
    ...patch,
  }) as ExecutionEntity;

describe(rpaFinalEvent.name, () => {
  const sut = rpaFinalEvent;

  it("should answer code 0 with the robot's result.data", () => {
    expect(sut(execution({ result: { data: { a: 1 }, other: true } }), 'sid-1')).toEqual({
      code: 0,
      message: 'Success',
      sid: 'sid-1',
      execution_id: 'e-1',
      data: { a: 1 },
    });
  });

  it('should answer data {} when the result has no object under data', () => {
    expect(sut(execution({ result: null }), 7).data).toEqual({});
    expect(sut(execution({ result: { data: 'text' } }), 7).data).toEqual({});
    expect(sut(execution({ result: { data: null } }), null)).toMatchObject({ code: 0, sid: null });
  });

  it('should map each failure to its code with the error as message', () => {
    const failed = (error: ExecutionFailure | null, status = ExecutionStatus.Failed) =>
      sut(
        execution({ status, error: error?.message ?? null, error_code: error?.code ?? null }),
        's',
      );
    expect(failed(ExecutionErrors.createFailed('HTTP 400'))).toEqual({
      code: RpaCode.CreateFailed,
      message: 'Robot task could not be created: HTTP 400',
      sid: 's',
      execution_id: 'e-1',
      data: null,
    });
    expect(failed(ExecutionErrors.taskFailed('jam'))).toMatchObject({
      code: 55002,
      message: 'Robot task failed: jam',
    });
    expect(failed(ExecutionErrors.timedOut(100))).toMatchObject({ code: 55003 });
    expect(failed(ExecutionErrors.robotUnreachable('x'))).toMatchObject({ code: 55002 });
    expect(failed(ExecutionErrors.cancelled, ExecutionStatus.Cancelled)).toMatchObject({
      code: 55002,
      message: 'Cancelled',
    });
    expect(failed(ExecutionErrors.enqueueFailed)).toMatchObject({ code: 55002 });
    expect(failed(ExecutionErrors.taskFailed('NO_EXECUTOR: none', 'no_executor'))).toMatchObject({
      code: 55002,
    });
    expect(failed(null)).toMatchObject({ code: 55002, message: 'Execution did not complete' });
  });

  it('should read the code, not the message', () => {
    const timedOut = execution({
      status: ExecutionStatus.Failed,
      error: 'Robot task failed: the robot said it timed out',
      error_code: 'timeout',
    });
    const failed = execution({
      status: ExecutionStatus.Failed,
      error: 'Robot task could not be created: as it says',
      error_code: 'robot_error',
    });

    expect(sut(timedOut, 's').code).toBe(RpaCode.Timeout);
    expect(sut(failed, 's').code).toBe(RpaCode.TaskFailed);
  });

  it('should answer 55003 for an execution that has not ended', () => {
    for (const status of [ExecutionStatus.Pending, ExecutionStatus.Running]) {
      expect(sut(execution({ status }), 's')).toMatchObject({
        code: RpaCode.Timeout,
        data: null,
        execution_id: 'e-1',
      });
    }
  });
});

import {
  ExecutionEntity,
  ExecutionErrors,
  ExecutionFailure,
  ExecutionStatus,
} from '../../execution';
import { executionSnapshot, releaseNumber } from './control-views';

const execution = (patch: Partial<ExecutionEntity>): ExecutionEntity =>
  ({
    id: '8d0f3c8e-2f43-4c52-9d62-1f6d2c1b7a10',
    project_id: 'p1',
    workflow_version: '2.0.1',
    status: ExecutionStatus.Pending,
    progress: 0,
    result: null,
    error: null,
    error_code: null,
    robot_task_id: null,
    created_at: new Date('2026-11-30T08:00:00.000Z'),
    start_time: null,
    end_time: null,
    ...patch,
  }) as ExecutionEntity;

/** The row's columns of a failure. */
const failed = (failure: ExecutionFailure | null) => ({
  error: failure?.message ?? null,
  error_code: failure?.code ?? null,
});

describe(executionSnapshot.name, () => {
  it.each([
    [ExecutionStatus.Pending, null, 'accepted', false],
    [ExecutionStatus.Running, null, 'running', false],
    [ExecutionStatus.Completed, null, 'succeeded', true],
    [ExecutionStatus.Failed, ExecutionErrors.taskFailed('boom'), 'failed', true],
    [ExecutionStatus.Failed, ExecutionErrors.timedOut(1000), 'timeout', true],
    [ExecutionStatus.Cancelled, ExecutionErrors.cancelled, 'cancelled', true],
  ])('should show %s (%j) as %s', (status, failure, expected, terminal) => {
    const sut = executionSnapshot(execution({ status, ...failed(failure) }));

    expect(sut).toMatchObject({ status: expected, terminal, supportsCancel: !terminal });
  });

  it("should answer a succeeded run's outputs and its times", () => {
    const sut = executionSnapshot(
      execution({
        status: ExecutionStatus.Completed,
        result: { code: '0000', data: { total: 3 } },
        progress: 100,
        robot_task_id: 'task-1',
        start_time: new Date('2026-11-30T08:00:01.000Z'),
        end_time: new Date('2026-11-30T08:00:02.000Z'),
      }),
    );

    expect(sut).toEqual({
      executionId: '8d0f3c8e-2f43-4c52-9d62-1f6d2c1b7a10',
      projectId: 'p1',
      version: 2,
      status: 'succeeded',
      terminal: true,
      acceptedAt: '2026-11-30T08:00:00.000Z',
      startedAt: '2026-11-30T08:00:01.000Z',
      finishedAt: '2026-11-30T08:00:02.000Z',
      clientId: null,
      runId: 'task-1',
      cancelRequested: false,
      progress: 100,
      result: { total: 3 },
      error: null,
      supportsCancel: false,
      resultVisibility: 'json',
    });
  });

  it.each([
    [ExecutionErrors.taskFailed('paper jam'), 'EXECUTION_FAILED'],
    [ExecutionErrors.createFailed('HTTP 400'), 'DISPATCH_FAILED'],
    [ExecutionErrors.taskFailed('NO_EXECUTOR: nobody there', 'no_executor'), 'CLIENT_OFFLINE'],
    [ExecutionErrors.taskFailed('EXECUTOR_LOST: gone', 'executor_lost'), 'CLIENT_OFFLINE'],
    [ExecutionErrors.taskFailed('client offline', 'client_offline'), 'CLIENT_OFFLINE'],
    [ExecutionErrors.timedOut(5000), 'EXECUTION_TIMEOUT'],
    [ExecutionErrors.enqueueFailed, 'EXECUTION_FAILED'],
    [ExecutionErrors.notResumable, 'EXECUTION_FAILED'],
  ])('should give the failure %j the code %s', (failure, code) => {
    const sut = executionSnapshot(
      execution({ status: ExecutionStatus.Failed, ...failed(failure) }),
    );

    expect(sut.error).toEqual({ code, message: failure.message });
    expect(sut.finishedAt).toBeNull();
  });

  it('should read the kind of failure from its code, not from its message', () => {
    const sut = executionSnapshot(
      execution({
        status: ExecutionStatus.Failed,
        error: 'Robot task timed out, says the robot: client offline',
        error_code: 'robot_error',
      }),
    );

    expect(sut.status).toBe('failed');
    expect(sut.error?.code).toBe('EXECUTION_FAILED');
  });

  it('should hide the result of a run that did not succeed', () => {
    const sut = executionSnapshot(
      execution({ status: ExecutionStatus.Failed, result: { data: { partial: 1 } }, error: 'x' }),
    );

    expect(sut.result).toBeNull();
  });
});

describe(releaseNumber.name, () => {
  it.each([
    ['1.0.0', 1],
    ['2.1.0', 2],
    ['v3', 3],
    ['7', 7],
    ['beta', 1],
    ['0.9', 1],
    [null, 1],
    ['99999999999999999999', 1],
  ])('should read %j as %i', (version, expected) => {
    expect(releaseNumber(version)).toBe(expected);
  });
});

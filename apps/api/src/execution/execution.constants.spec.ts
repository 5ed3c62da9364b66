import { ExecutionErrors, failureKind } from './execution.constants';

describe(failureKind.name, () => {
  const sut = failureKind;

  it('should recognise every error the runner writes', () => {
    expect(sut(ExecutionErrors.createFailed('HTTP 400'))).toBe('create_failed');
    expect(sut(ExecutionErrors.taskFailed('paper jam'))).toBe('task_failed');
    expect(sut(ExecutionErrors.timedOut(1500))).toBe('timeout');
    expect(sut(ExecutionErrors.cancelled)).toBe('cancelled');
    expect(sut(`${ExecutionErrors.cancelled} by the robot service`)).toBe('cancelled');
  });

  it('should answer other for anything else', () => {
    expect(sut(null)).toBe('other');
    expect(sut('')).toBe('other');
    expect(sut(ExecutionErrors.robotUnreachable('HTTP 500'))).toBe('other');
    expect(sut(ExecutionErrors.enqueueFailed)).toBe('other');
    expect(sut(ExecutionErrors.workerGaveUp('db down'))).toBe('other');
    expect(sut('robot task failed (lower case)')).toBe('other');
  });
});

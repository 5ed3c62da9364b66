import { errorCodeOfMessage } from './legacy-error-code';

describe(errorCodeOfMessage.name, () => {
  const sut = errorCodeOfMessage;

  it.each([
    ['Robot task could not be created: HTTP 400', 'create_failed'],
    ['Robot task timed out after 1500 ms', 'timeout'],
    ['Robot task failed: paper jam', 'robot_error'],
    ['Robot task failed: NO_EXECUTOR: no executor of this user was connected', 'no_executor'],
    ['Robot task failed: EXECUTOR_LOST: the connection dropped', 'executor_lost'],
    ['Robot task failed: the client is Offline', 'client_offline'],
    ['Robot service unreachable while following the task: HTTP 500', 'robot_unreachable'],
    ['Cancelled', 'cancelled'],
    ['The execution could not be queued', 'queue_unavailable'],
    ['Execution aborted after repeated internal errors: db down', 'worker_gave_up'],
    ['Execution lost its job while RUNNING without a robot task id', 'lost'],
    ['Imported while RUNNING on the legacy service', 'lost'],
    ['Timed out on the legacy service: no answer', 'lost'],
    ['NO_EXECUTOR: no executor of the user came online', 'client_offline'],
    ['robot task failed (lower case)', 'unknown'],
    [null, 'unknown'],
  ])('should read the failure %j as %s', (error, code) => {
    expect(sut('FAILED', error)).toBe(code);
  });

  it('should call every cancelled run cancelled, whatever it says', () => {
    expect(sut('CANCELLED', 'stopped by the operator')).toBe('cancelled');
    expect(sut('CANCELLED', null)).toBe('cancelled');
  });

  it('should give no code to a run that did not fail', () => {
    expect(sut('COMPLETED', 'Robot task failed: stale text')).toBeNull();
    expect(sut('RUNNING', null)).toBeNull();
  });
});

import { RobotError, parseTaskState } from './robot-client';

describe(parseTaskState.name, () => {
  const sut = parseTaskState;

  it('should read a complete execution object', () => {
    expect(
      sut({
        status: 'COMPLETED',
        progress: 100,
        result: { data: { a: 1 } },
        error: null,
        logs: [{ seq: 1, level: 'warn', message: 'hello' }],
      }),
    ).toEqual({
      status: 'COMPLETED',
      progress: 100,
      result: { data: { a: 1 } },
      error: null,
      logs: [{ seq: 1, level: 'warn', message: 'hello' }],
    });
  });

  it.each([
    ['queued', 'PENDING'],
    ['waiting', 'PENDING'],
    ['processing', 'RUNNING'],
    ['running', 'RUNNING'],
    ['success', 'COMPLETED'],
    ['SUCCEEDED', 'COMPLETED'],
    ['done', 'COMPLETED'],
    ['error', 'FAILED'],
    ['canceled', 'CANCELLED'],
  ])('should map the status alias %s to %s', (raw, status) => {
    expect(sut({ status: raw }).status).toBe(status);
  });

  it('should refuse a missing execution or an unknown status as a retryable robot error', () => {
    for (const raw of [undefined, null, 'COMPLETED', { status: 'EXPLODED' }, { progress: 5 }]) {
      let error: unknown;
      try {
        sut(raw);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RobotError);
      expect((error as RobotError).retryable).toBe(true);
    }
  });

  it('should clamp and round progress, and read an absent or non-numeric one as unknown', () => {
    expect(sut({ status: 'RUNNING', progress: 42.6 }).progress).toBe(43);
    expect(sut({ status: 'RUNNING', progress: '55' }).progress).toBe(55);
    expect(sut({ status: 'RUNNING', progress: 250 }).progress).toBe(100);
    expect(sut({ status: 'RUNNING', progress: -3 }).progress).toBe(0);
    for (const progress of [undefined, null, '', 'half', true, [], {}]) {
      expect(sut({ status: 'RUNNING', progress }).progress).toBeNull();
    }
  });

  it('should wrap a result that is not an object under data', () => {
    expect(sut({ status: 'COMPLETED', result: 'ok' }).result).toEqual({ data: 'ok' });
    expect(sut({ status: 'COMPLETED', result: [1, 2] }).result).toEqual({ data: [1, 2] });
    expect(sut({ status: 'COMPLETED', result: null }).result).toBeNull();
    expect(sut({ status: 'COMPLETED' }).result).toBeNull();
  });

  it('should turn any error into a readable string', () => {
    expect(sut({ status: 'FAILED', error: 'boom' }).error).toBe('boom');
    expect(sut({ status: 'FAILED', error: 404 }).error).toBe('404');
    expect(sut({ status: 'FAILED', error: { message: 'disk full' } }).error).toBe('disk full');
    expect(sut({ status: 'FAILED', error: { reason: 'x' } }).error).toBe('{"reason":"x"}');
    expect(sut({ status: 'FAILED' }).error).toBeNull();
  });

  it('should keep log lines given as objects or strings and drop the rest', () => {
    expect(
      sut({
        status: 'RUNNING',
        logs: [{ message: 'one' }, 'two', null, 7, { seq: 'x', level: 3, message: 4 }],
      }).logs,
    ).toEqual([
      { seq: undefined, level: undefined, message: 'one' },
      { seq: undefined, level: undefined, message: 'two' },
      { seq: undefined, level: undefined, message: '4' },
    ]);
    expect(sut({ status: 'RUNNING', logs: 'not a list' }).logs).toEqual([]);
  });
});

import { TimeoutError, withTimeout } from './with-timeout';

describe(withTimeout.name, () => {
  afterEach(() => vi.useRealTimers());

  it('should pass on the value of an operation that settles in time', async () => {
    const sut = withTimeout(Promise.resolve(42), 1000);

    await expect(sut).resolves.toBe(42);
  });

  it('should pass on the error of an operation that fails in time', async () => {
    const sut = withTimeout(Promise.reject(new Error('refused')), 1000);

    await expect(sut).rejects.toThrow('refused');
  });

  it('should reject with a TimeoutError naming the deadline when the operation is late', async () => {
    vi.useFakeTimers();
    const sut = withTimeout(new Promise(() => undefined), 250);
    const settled = expect(sut).rejects.toEqual(new TimeoutError(250));

    await vi.advanceTimersByTimeAsync(250);

    await settled;
    await expect(sut).rejects.toThrow('No answer within 250 ms');
  });

  it("should reject with the caller's own error when one is named", async () => {
    vi.useFakeTimers();
    const sut = withTimeout(new Promise(() => undefined), 10, () => new Error('robot is away'));
    const settled = expect(sut).rejects.toThrow('robot is away');

    await vi.advanceTimersByTimeAsync(10);

    await settled;
  });

  it('should not leave a late rejection of the abandoned operation unhandled', async () => {
    vi.useFakeTimers();
    let fail: (err: Error) => void = () => undefined;
    const late = new Promise<never>((_, reject) => (fail = reject));
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const sut = withTimeout(late, 5);
      const settled = expect(sut).rejects.toBeInstanceOf(TimeoutError);
      await vi.advanceTimersByTimeAsync(5);
      await settled;

      fail(new Error('too late'));
      await vi.advanceTimersByTimeAsync(0);

      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

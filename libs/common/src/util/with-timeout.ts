/** What `withTimeout` rejects with unless the caller names its own error. */
export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Waits for `operation` at most `timeoutMs`, then rejects with `onTimeout()` (a TimeoutError by
 * default). The operation itself is not withdrawn, so a late rejection of it is swallowed here
 * rather than surfacing as an unhandled one; callers that can abort it (an AbortSignal) do so
 * themselves once this settles.
 */
export async function withTimeout<T>(
  operation: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error = () => new TimeoutError(timeoutMs),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      operation,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    operation.catch(() => undefined);
  }
}

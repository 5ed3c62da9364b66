import { inspect } from 'node:util';

export interface WaitOptions {
  /** What is awaited, as the failure message names it: "the worker to take the job". */
  what: string;
  /** Generous by default, so that a slow machine only makes a test slower. */
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * An error thrown by the probe fails the wait at once (for probes that assert, such as a
   * supertest `.expect(200)`). By default it is retried and reported if the time runs out.
   */
  failFast?: boolean;
}

type Probe<T> = () => T | Promise<T>;

/** Shows the last value seen in a failure message, briefly. */
function shown(value: unknown): string {
  const text =
    value instanceof Error ? value.message : inspect(value, { depth: 3, breakLength: Infinity });
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/**
 * Polls `probe` until it answers something other than undefined or false, or, with `accept`,
 * a value that `accept` takes; answers that value. Fails after `timeoutMs` naming what it
 * awaited and the last value (or error) seen. Tests wait on conditions, never on fixed
 * sleeps: a slow machine then only makes them slower.
 */
export async function waitFor<T>(
  probe: Probe<T>,
  options: WaitOptions & { accept: (value: T) => boolean },
): Promise<T>;
export async function waitFor<T>(
  probe: Probe<T | undefined | false>,
  options: WaitOptions,
): Promise<T>;
export async function waitFor<T>(
  probe: Probe<T | undefined | false>,
  options: WaitOptions & { accept?: (value: T | undefined | false) => boolean },
): Promise<T> {
  const { what, timeoutMs = 30_000, intervalMs = 50, failFast = false, accept } = options;
  const done = accept ?? ((value) => value !== undefined && value !== false);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value as T;
      last = value;
    } catch (err) {
      if (failFast) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${shown(last)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * What the legacy routes need to know about a user's executors (the desktop robots that
 * connect over `/ws`): whether one is connected, and asking them to stop their current run.
 * The executor bridge provides the real implementation; a build without it binds
 * NoExecutorPresence.
 */
export abstract class ExecutorPresence {
  abstract hasExecutor(userId: string): Promise<boolean>;
  /** Asks every executor of the user to stop its current run; answers how many were asked. */
  abstract stopCurrent(userId: string): Promise<number>;
}

/** No executor can connect to this build: none is ever online and nothing runs on one. */
export class NoExecutorPresence extends ExecutorPresence {
  hasExecutor(): Promise<boolean> {
    return Promise.resolve(false);
  }

  stopCurrent(): Promise<number> {
    return Promise.resolve(0);
  }
}

/** Redis channels of the executor bridge (namespaced by REDIS_PREFIX). */
export const ExecutorChannels = {
  /** A run waits for an executor of this user (message: the user id). */
  Work: 'executor:work',
  /** Stop a dispatched run (message: StopCommand JSON); the connection's process sends it. */
  Control: 'executor:control',
  /** Ask every executor of a user to stop its current run (message: the user id). */
  StopCurrent: 'executor:stop-current',
  /** A run's record changed: replied, lost, ended (message: the event id). */
  Settled: 'executor:settled',
} as const;

/** What a worker asks of the connection holding a run (published on Control). */
export interface StopCommand {
  /** `stop` (absent: stop) or, for managed runs, `get` (ask for the current receipt). */
  action?: 'stop' | 'get';
  conn_id: string;
  event_id: string;
  user_id: string;
  execution_id: string;
  project_id: string;
  /** Managed runs: the engine's client id (it may have reconnected) and its run id. */
  client_id?: string;
  run_id?: string;
}

/** Stable prefixes of an executor run's error, so clients can tell the faults apart. */
export const ExecutorErrors = {
  noExecutor: (ms: number) =>
    `NO_EXECUTOR: no executor of this user was connected and free within ${ms} ms`,
  lost: (ms: number) =>
    `EXECUTOR_LOST: the executor's connection dropped and it did not reply within ${ms} ms`,
} as const;

/** WebSocket close codes. */
export const CloseCodes = {
  Normal: 1000,
  GoingAway: 1001,
  PolicyViolation: 1008,
  InternalError: 1011,
} as const;

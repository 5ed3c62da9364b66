import { randomUUID } from 'node:crypto';
import { DEFAULT_BEHAVIOUR, SimBehaviour, sanitiseBehaviour } from './behaviour';

export type SimStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface SimLogLine {
  seq: number;
  level: string;
  message: string;
  ts: string;
}

export interface SimTaskView {
  status: SimStatus;
  progress: number;
  result: Record<string, unknown> | null;
  error: string | null;
  logs: SimLogLine[];
}

export interface SimTaskRecord {
  task_id: string;
  project_id: string;
  params: Record<string, unknown>;
  exec_position: string;
  status: SimStatus;
  created_at: string;
  /** Queries answered so far, and when the last one was (benchmarks count polling with them). */
  queries: number;
  last_query_at: string | null;
}

export interface SimCreateInput {
  project_id: string;
  params?: Record<string, unknown> | null;
  exec_position?: string;
  /** Where to report the end of the task (apps/robot-sim sends it; the class only keeps it). */
  callback_url?: string;
}

/** What the simulator answers: the HTTP status and the envelope's data or error message. */
export type SimAnswer<T> = { status: 200; data: T } | { status: number; message: string };

/** A task as another process needs it to answer for it (SimulatorRobotClient shares them). */
export interface SimTaskSnapshot {
  id: string;
  projectId: string;
  params: Record<string, unknown>;
  execPosition: string;
  behaviour: SimBehaviour;
  createdAt: number;
  cancelledAt: number | null;
}

interface Task extends SimTaskSnapshot {
  queries: number;
  lastQueryAt: number | null;
}

const MAX_TASKS = 200_000;

/**
 * The robot service of docs/robot-service.md in memory: tasks move from RUNNING to their end after
 * `delay_ms`, reporting progress and log lines on the way, and can be told to misbehave.
 * Used in-process (ROBOT_MODE=simulator) and behind HTTP (apps/robot-sim).
 */
export class RobotSimulator {
  /** The defaults it was made with (e.g. SIM_DELAY_MS), which reset() returns to. */
  private readonly initial: SimBehaviour;
  private defaults: SimBehaviour;
  private readonly tasks = new Map<string, Task>();
  /** Idempotency-Key → task id, so a create retried after a crash finds the same task. */
  private readonly byKey = new Map<string, string>();
  /** Create attempts per idempotency key (or params), for create_failures. */
  private readonly createAttempts = new Map<string, number>();

  /**
   * @param honourParams whether a run's `params.__sim` may change how its task behaves: the
   *   service's in-process simulator only does so when SIM_PARAMS_OVERRIDES allows it.
   */
  constructor(
    defaults: Partial<SimBehaviour> = {},
    private readonly now: () => number = Date.now,
    private readonly honourParams = true,
  ) {
    this.initial = { ...DEFAULT_BEHAVIOUR, ...defaults };
    this.defaults = { ...this.initial };
  }

  get behaviour(): SimBehaviour {
    return { ...this.defaults };
  }

  setBehaviour(input: unknown): SimBehaviour {
    this.defaults = { ...this.defaults, ...sanitiseBehaviour(input) };
    return this.behaviour;
  }

  /** Forgets every task; defaults go back to the initial ones unless others are given. */
  reset(defaults?: Partial<SimBehaviour>): void {
    this.defaults = defaults ? { ...DEFAULT_BEHAVIOUR, ...defaults } : { ...this.initial };
    this.tasks.clear();
    this.byKey.clear();
    this.createAttempts.clear();
  }

  create(input: SimCreateInput, idempotencyKey?: string): SimAnswer<{ executionId: string }> {
    if (typeof input?.project_id !== 'string' || input.project_id === '') {
      return { status: 400, message: 'project_id is required' };
    }
    const params = input.params && typeof input.params === 'object' ? input.params : {};
    const overrides = this.honourParams ? sanitiseBehaviour(params.__sim) : {};
    const behaviour = { ...this.defaults, ...overrides };

    const existing = idempotencyKey ? this.byKey.get(idempotencyKey) : undefined;
    if (existing && this.tasks.has(existing))
      return { status: 200, data: { executionId: existing } };

    if (behaviour.create_status !== 200) {
      const attemptKey = idempotencyKey ?? JSON.stringify([input.project_id, params]);
      const attempts = (this.createAttempts.get(attemptKey) ?? 0) + 1;
      this.createAttempts.set(attemptKey, attempts);
      if (attempts <= behaviour.create_failures) {
        return { status: behaviour.create_status, message: `simulated create failure ${attempts}` };
      }
    }

    const id = randomUUID();
    this.tasks.set(id, {
      id,
      projectId: input.project_id,
      params,
      execPosition: input.exec_position ?? 'EXECUTOR',
      behaviour,
      createdAt: this.now(),
      cancelledAt: null,
      queries: 0,
      lastQueryAt: null,
    });
    if (idempotencyKey) this.byKey.set(idempotencyKey, id);
    this.evict();
    return { status: 200, data: { executionId: id } };
  }

  query(taskId: string): SimAnswer<{ execution: SimTaskView }> {
    const task = this.tasks.get(taskId);
    if (!task) return { status: 404, message: `task ${taskId} not found` };
    task.queries++;
    task.lastQueryAt = this.now();
    if (task.queries <= task.behaviour.query_failures) {
      return { status: 500, message: `simulated query failure ${task.queries}` };
    }
    return { status: 200, data: { execution: this.view(task) } };
  }

  cancel(taskId: string): SimAnswer<{ cancelled: boolean }> {
    const task = this.tasks.get(taskId);
    if (!task) return { status: 404, message: `task ${taskId} not found` };
    const status = this.view(task).status;
    if (status === 'RUNNING') task.cancelledAt = this.now();
    return { status: 200, data: { cancelled: status === 'RUNNING' } };
  }

  /** The task's status now, without counting as a query. */
  status(taskId: string): SimStatus | undefined {
    const task = this.tasks.get(taskId);
    return task ? this.view(task).status : undefined;
  }

  snapshot(taskId: string): SimTaskSnapshot | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    const { queries: _queries, lastQueryAt: _lastQueryAt, ...snapshot } = task;
    return snapshot;
  }

  /** Takes over a task another simulator created (or updates this one's copy of it). */
  adopt(snapshot: SimTaskSnapshot): void {
    const known = this.tasks.get(snapshot.id);
    this.tasks.set(snapshot.id, {
      ...snapshot,
      queries: known?.queries ?? 0,
      lastQueryAt: known?.lastQueryAt ?? null,
    });
    this.evict();
  }

  list(): SimTaskRecord[] {
    return [...this.tasks.values()].map((task) => ({
      task_id: task.id,
      project_id: task.projectId,
      params: task.params,
      exec_position: task.execPosition,
      status: this.view(task).status,
      created_at: new Date(task.createdAt).toISOString(),
      queries: task.queries,
      last_query_at: task.lastQueryAt === null ? null : new Date(task.lastQueryAt).toISOString(),
    }));
  }

  private view(task: Task): SimTaskView {
    const { behaviour } = task;
    const now = task.cancelledAt ?? this.now();
    const elapsed = now - task.createdAt;
    const span = Math.max(behaviour.delay_ms, 1);
    const done = !behaviour.hang && task.cancelledAt === null && elapsed >= behaviour.delay_ms;
    const fraction = done ? 1 : Math.min(elapsed / span, behaviour.hang ? 0.99 : 1);

    const logs: SimLogLine[] = [];
    for (let i = 1; i <= behaviour.log_lines; i++) {
      const at = (i * span) / (behaviour.log_lines + 1);
      if (!done && at > elapsed) break;
      logs.push({
        seq: i,
        level: 'info',
        message: `step ${i} of ${behaviour.log_lines}`,
        ts: new Date(task.createdAt + at).toISOString(),
      });
    }
    const steps = behaviour.progress_steps;
    const progress = done
      ? 100
      : steps > 0
        ? Math.floor(Math.floor(fraction * steps) * (100 / steps))
        : 0;

    if (task.cancelledAt !== null) {
      return { status: 'CANCELLED', progress, result: null, error: 'cancelled', logs };
    }
    if (!done)
      return {
        status: 'RUNNING',
        progress: Math.min(progress, 99),
        result: null,
        error: null,
        logs,
      };
    if (behaviour.fail !== false) {
      const error = typeof behaviour.fail === 'string' ? behaviour.fail : 'simulated robot failure';
      return { status: 'FAILED', progress, result: null, error, logs };
    }
    const { __sim: _sim, ...data } = task.params;
    return { status: 'COMPLETED', progress: 100, result: { data }, error: null, logs };
  }

  /** Keeps memory bounded in long benchmark runs: the oldest tasks go first. */
  private evict(): void {
    while (this.tasks.size > MAX_TASKS) {
      const oldest = this.tasks.keys().next().value;
      if (oldest === undefined) break;
      this.tasks.delete(oldest);
    }
    while (this.byKey.size > MAX_TASKS) {
      const oldest = this.byKey.keys().next().value;
      if (oldest === undefined) break;
      this.byKey.delete(oldest);
    }
    if (this.createAttempts.size > MAX_TASKS) this.createAttempts.clear();
  }
}

import { Logger } from '@nestjs/common';
import { AppConfig, parseConfig, sleep } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionEvent } from './execution.events';
import { ExecutionCancellation } from './execution.cancellation';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionRunner, StepOutcome } from './execution.runner';
import { ExecutionProgressRecorder } from './execution-progress.recorder';
import { ExecutionRepository, NewLogLine } from './execution.repository';
import { ExecutionTransitions } from './execution.transitions';
import { RobotClient, RobotError, RobotTaskState } from './robot/robot-client';
import { RobotPollPacer } from './robot-poll-pacer';

/** The ExecutionRepository methods the runner and its recorder use, over in-memory tables. */
class FakeExecutions {
  readonly rows = new Map<string, ExecutionEntity>();
  readonly logRows: NewLogLine[] = [];

  async findById(id: string): Promise<ExecutionEntity | null> {
    const row = this.rows.get(id);
    return row ? { ...row } : null;
  }

  async transition(
    id: string,
    from: readonly ExecutionStatus[],
    patch: Partial<ExecutionEntity>,
  ): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || !from.includes(row.status)) return false;
    Object.assign(row, patch);
    return true;
  }

  async touchPending(id: string): Promise<void> {
    const row = this.rows.get(id);
    if (row?.status === ExecutionStatus.Pending) row.updated_at = new Date();
  }

  async appendLogs(lines: NewLogLine[]): Promise<void> {
    this.logRows.push(...lines);
  }

  async lastLogSeq(executionId: string): Promise<number> {
    const seqs = this.logRows.filter((r) => r.execution_id === executionId).map((r) => r.seq);
    return seqs.length ? Math.max(...seqs) : 0;
  }
}

const state = (patch: Partial<RobotTaskState>): RobotTaskState => ({
  status: 'RUNNING',
  progress: null,
  result: null,
  error: null,
  logs: [],
  ...patch,
});

describe(ExecutionRunner.name, () => {
  let executions: FakeExecutions;
  let events: ExecutionEvent[];
  let robot: {
    createTask: ReturnType<typeof vi.fn>;
    getTask: ReturnType<typeof vi.fn>;
    cancelTask: ReturnType<typeof vi.fn>;
    ping: ReturnType<typeof vi.fn>;
    nextLookWithin: ReturnType<typeof vi.fn>;
    pushesEnd: boolean;
  };
  let pacer: { plan: ReturnType<typeof vi.fn> };
  let controller: AbortController;
  let sut: ExecutionRunner;

  const build = (env: Record<string, string> = {}) => {
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        ROBOT_POLL_MIN_MS: '1',
        ROBOT_POLL_MAX_MS: '5',
        EXECUTION_LOG_LIMIT: '3',
        ROBOT_QUERY_FAILURES_TOLERATED: '2',
        ...env,
      }),
    );
    const bus = { publish: async (event: ExecutionEvent) => void events.push(event) };
    const cancellation = { track: () => controller.signal, untrack: () => undefined };
    sut = new ExecutionRunner(
      executions as unknown as ExecutionRepository,
      new ExecutionProgressRecorder(
        executions as unknown as ExecutionRepository,
        bus as unknown as ExecutionEventBus,
        config,
      ),
      robot as unknown as RobotClient,
      new ExecutionTransitions(
        executions as unknown as ExecutionRepository,
        bus as unknown as ExecutionEventBus,
      ),
      cancellation as unknown as ExecutionCancellation,
      config,
      pacer as unknown as RobotPollPacer,
    );
  };

  /** What the processor does: one step, park until its look, the next step. */
  const runToEnd = async (id: string): Promise<StepOutcome[]> => {
    const outcomes: StepOutcome[] = [];
    let failures = 0;
    for (;;) {
      const outcome = await sut.step(id, failures);
      outcomes.push(outcome);
      if (outcome.done) return outcomes;
      failures = outcome.failures;
      await sleep(Math.max(0, outcome.lookAt - Date.now()));
    }
  };

  const seed = (patch: Partial<ExecutionEntity> = {}): ExecutionEntity => {
    const row = {
      id: 'e-1',
      project_id: 'p1',
      user_id: 'u1',
      priority: 5,
      status: ExecutionStatus.Pending,
      parameters: { a: 1 },
      result: null,
      error: null,
      error_code: null,
      exec_position: 'EXECUTOR',
      progress: 0,
      robot_task_id: null,
      timeout_ms: null,
      request_id: 'req-1',
      start_time: null,
      end_time: null,
      ...patch,
    } as ExecutionEntity;
    executions.rows.set(row.id, row);
    return row;
  };
  const row = () => executions.rows.get('e-1')!;
  const types = () => events.map((e) => e.type);

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    executions = new FakeExecutions();
    events = [];
    controller = new AbortController();
    robot = {
      createTask: vi.fn(async () => 't-1'),
      getTask: vi.fn(async () => state({ status: 'COMPLETED', result: { data: { ok: true } } })),
      cancelTask: vi.fn(async () => undefined),
      ping: vi.fn(),
      nextLookWithin: vi.fn((_id: string, ms: number) => ms),
      pushesEnd: false,
    };
    pacer = {
      plan: vi.fn(async (delay: number, deadline: number) =>
        Math.min(Date.now() + delay, deadline),
      ),
    };
    build();
  });

  it('should create one task, mark RUNNING, follow it and complete with its result', async () => {
    seed();
    robot.getTask
      .mockResolvedValueOnce(state({ progress: 40, logs: [{ message: 'a' }] }))
      .mockResolvedValueOnce(
        state({ progress: 80, logs: [{ message: 'a' }, { message: 'b', level: 'warn' }] }),
      );

    await runToEnd('e-1');

    expect(robot.createTask).toHaveBeenCalledTimes(1);
    expect(robot.createTask).toHaveBeenCalledWith(
      { project_id: 'p1', params: { a: 1 }, exec_position: 'EXECUTOR', user_id: 'u1', priority: 5 },
      { executionId: 'e-1', requestId: 'req-1' },
    );
    expect(row()).toMatchObject({
      status: ExecutionStatus.Completed,
      robot_task_id: 't-1',
      result: { data: { ok: true } },
      error: null,
      progress: 100,
    });
    expect(row().start_time).toBeInstanceOf(Date);
    expect(row().end_time).toBeInstanceOf(Date);
    expect(types()).toEqual([
      'execution.started',
      'execution.progress',
      'execution.log',
      'execution.progress',
      'execution.log',
      'execution.completed',
    ]);
    expect(executions.logRows.map((l) => [l.seq, l.level, l.message])).toEqual([
      [1, 'info', 'a'],
      [2, 'warn', 'b'],
    ]);
  });

  it('should follow the stored task of a resumed run and never create another', async () => {
    seed({ status: ExecutionStatus.Running, robot_task_id: 't-9', start_time: new Date() });
    executions.logRows.push({ execution_id: 'e-1', seq: 1, level: 'info', message: 'old' });
    robot.getTask.mockResolvedValueOnce(
      state({ status: 'COMPLETED', logs: [{ message: 'old' }, { message: 'new' }] }),
    );

    await runToEnd('e-1');

    expect(robot.createTask).not.toHaveBeenCalled();
    expect(robot.getTask).toHaveBeenCalledWith('t-9', expect.anything());
    expect(row().status).toBe(ExecutionStatus.Completed);
    expect(executions.logRows.map((l) => l.seq)).toEqual([1, 2]);
    expect(types()).toEqual(['execution.log', 'execution.completed']);
  });

  it('should store at most EXECUTION_LOG_LIMIT lines', async () => {
    seed();
    robot.getTask.mockResolvedValueOnce(
      state({
        status: 'COMPLETED',
        logs: ['1', '2', '3', '4', '5'].map((message) => ({ message })),
      }),
    );
    await runToEnd('e-1');
    expect(executions.logRows.map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  it('should retry retryable create errors and fail at once on others', async () => {
    seed();
    robot.createTask
      .mockRejectedValueOnce(new RobotError('HTTP 502', true, 502))
      .mockRejectedValueOnce(new RobotError('ECONNREFUSED', true))
      .mockResolvedValueOnce('t-3');
    await runToEnd('e-1');
    expect(robot.createTask).toHaveBeenCalledTimes(3);
    expect(row()).toMatchObject({ status: ExecutionStatus.Completed, robot_task_id: 't-3' });

    seed({ id: 'e-2' } as Partial<ExecutionEntity>);
    robot.createTask
      .mockReset()
      .mockRejectedValue(new RobotError('HTTP 400: bad input', false, 400));
    await runToEnd('e-2');
    expect(robot.createTask).toHaveBeenCalledTimes(1);
    expect(executions.rows.get('e-2')).toMatchObject({
      status: ExecutionStatus.Failed,
      error: 'Robot task could not be created: HTTP 400: bad input',
      error_code: 'create_failed',
      robot_task_id: null,
    });
  });

  it('should stop creating once cancelled during a create backoff', async () => {
    seed();
    const cancelled = controller;
    robot.createTask.mockImplementation(async () => {
      // The cancel arrives while the runner waits before its next attempt.
      setTimeout(() => {
        row().status = ExecutionStatus.Cancelled;
        cancelled.abort();
      }, 10);
      throw new RobotError('HTTP 503', true, 503);
    });
    await runToEnd('e-1');
    expect(robot.createTask).toHaveBeenCalledTimes(1);
    expect(row().status).toBe(ExecutionStatus.Cancelled);
    expect(types()).toEqual([]);
  });

  it('should cancel the created task when the run was cancelled while creating it', async () => {
    seed();
    robot.createTask.mockImplementation(async () => {
      row().status = ExecutionStatus.Cancelled;
      return 't-5';
    });
    await runToEnd('e-1');
    expect(robot.cancelTask).toHaveBeenCalledWith('t-5', expect.anything());
    expect(robot.getTask).not.toHaveBeenCalled();
    expect(row()).toMatchObject({ status: ExecutionStatus.Cancelled, robot_task_id: null });
  });

  it('should cancel the robot task and leave the row to the canceller when aborted while polling', async () => {
    seed();
    robot.getTask.mockImplementation(async () => {
      row().status = ExecutionStatus.Cancelled;
      controller.abort();
      return state({ status: 'RUNNING' });
    });
    await runToEnd('e-1');
    expect(robot.cancelTask).toHaveBeenCalledWith('t-1', expect.anything());
    expect(row().status).toBe(ExecutionStatus.Cancelled);
    expect(types()).toEqual(['execution.started']);
  });

  it('should only cancel the robot task of a run cancelled before its job ran', async () => {
    seed({ status: ExecutionStatus.Cancelled, robot_task_id: 't-7' });
    await runToEnd('e-1');
    expect(robot.createTask).not.toHaveBeenCalled();
    expect(robot.cancelTask).toHaveBeenCalledWith('t-7', expect.anything());
  });

  it('should end FAILED naming the timeout, and cancel the task, past the time limit', async () => {
    seed({ timeout_ms: 30 });
    robot.getTask.mockResolvedValue(state({ status: 'RUNNING' }));
    await runToEnd('e-1');
    expect(row()).toMatchObject({
      status: ExecutionStatus.Failed,
      error: 'Robot task timed out after 30 ms',
      error_code: 'timeout',
    });
    expect(robot.cancelTask).toHaveBeenCalledWith('t-1', expect.anything());
    expect(types()).toEqual(['execution.started', 'execution.failed']);
  });

  it('should tolerate ROBOT_QUERY_FAILURES_TOLERATED consecutive failed queries, not more', async () => {
    seed();
    robot.getTask
      .mockRejectedValueOnce(new RobotError('HTTP 500', true, 500))
      .mockRejectedValueOnce(new RobotError('HTTP 500', true, 500))
      .mockResolvedValueOnce(state({ status: 'RUNNING' }))
      .mockRejectedValueOnce(new RobotError('HTTP 500', true, 500))
      .mockRejectedValueOnce(new RobotError('HTTP 500', true, 500))
      .mockResolvedValueOnce(state({ status: 'COMPLETED' }));
    await runToEnd('e-1');
    expect(row()).toMatchObject({ status: ExecutionStatus.Completed, result: { data: {} } });

    seed({ id: 'e-2' } as Partial<ExecutionEntity>);
    robot.getTask.mockReset().mockRejectedValue(new RobotError('HTTP 500', true, 500));
    await runToEnd('e-2');
    expect(robot.getTask).toHaveBeenCalledTimes(3);
    expect(executions.rows.get('e-2')).toMatchObject({
      status: ExecutionStatus.Failed,
      error: 'Robot service unreachable while following the task: HTTP 500',
      error_code: 'robot_unreachable',
    });
  });

  it("should end FAILED with the robot's error, or CANCELLED when the robot cancelled", async () => {
    seed();
    robot.getTask.mockResolvedValueOnce(state({ status: 'FAILED', error: 'jam' }));
    await runToEnd('e-1');
    expect(row()).toMatchObject({
      status: ExecutionStatus.Failed,
      error: 'Robot task failed: jam',
      error_code: 'robot_error',
    });

    seed({ id: 'e-2' } as Partial<ExecutionEntity>);
    robot.getTask.mockResolvedValueOnce(state({ status: 'CANCELLED' }));
    await runToEnd('e-2');
    expect(executions.rows.get('e-2')).toMatchObject({
      status: ExecutionStatus.Cancelled,
      error: 'Cancelled by the robot service',
      error_code: 'cancelled',
    });
  });

  it("should keep the robot's code of a failure, or read an absent client from its reason", async () => {
    seed();
    robot.getTask.mockResolvedValueOnce(
      state({ status: 'FAILED', error: 'NO_EXECUTOR: nobody', errorCode: 'no_executor' }),
    );
    await runToEnd('e-1');
    expect(row()).toMatchObject({
      error: 'Robot task failed: NO_EXECUTOR: nobody',
      error_code: 'no_executor',
    });

    seed({ id: 'e-2' } as Partial<ExecutionEntity>);
    robot.getTask.mockResolvedValueOnce(state({ status: 'FAILED', error: 'Client is offline' }));
    await runToEnd('e-2');
    expect(executions.rows.get('e-2')).toMatchObject({
      error: 'Robot task failed: Client is offline',
      error_code: 'client_offline',
    });
  });

  it('should let unexpected errors propagate so that the job is retried', async () => {
    seed();
    robot.getTask.mockRejectedValueOnce(new Error('database gone'));
    await expect(runToEnd('e-1')).rejects.toThrow('database gone');
    expect(row().status).toBe(ExecutionStatus.Running);
  });

  it('should take one query per step and park in between, holding nothing', async () => {
    seed();
    robot.getTask
      .mockResolvedValueOnce(state({ status: 'RUNNING' }))
      .mockResolvedValueOnce(state({ status: 'RUNNING' }));

    const first = await sut.step('e-1');
    expect(robot.createTask).toHaveBeenCalledTimes(1);
    expect(robot.getTask).toHaveBeenCalledTimes(1);
    expect(first).toMatchObject({ done: false, failures: 0 });
    expect(row()).toMatchObject({ status: ExecutionStatus.Running, robot_task_id: 't-1' });

    expect(await sut.step('e-1')).toMatchObject({ done: false });
    expect(robot.getTask).toHaveBeenCalledTimes(2);
    expect(await sut.step('e-1')).toEqual({ done: true });
    expect(robot.createTask).toHaveBeenCalledTimes(1);
    expect(row().status).toBe(ExecutionStatus.Completed);
  });

  it('should plan the next look about as long as the task has run, within the poll bounds', async () => {
    build({ ROBOT_POLL_MIN_MS: '200', ROBOT_POLL_MAX_MS: '5000' });
    robot.getTask.mockResolvedValue(state({ status: 'RUNNING' }));
    seed({
      status: ExecutionStatus.Running,
      robot_task_id: 't-1',
      start_time: new Date(Date.now() - 1000),
    });
    await sut.step('e-1');
    const [delay] = pacer.plan.mock.calls[0] as [number, number];
    expect(delay).toBeGreaterThanOrEqual(1000);
    expect(delay).toBeLessThan(5000);

    row().start_time = new Date(Date.now() - 60_000);
    await sut.step('e-1');
    expect(pacer.plan.mock.calls[1][0]).toBe(5000);
  });

  it('should only look every ROBOT_POLL_FALLBACK_MS at a robot that pushes the end', async () => {
    build({ ROBOT_POLL_FALLBACK_MS: '30000' });
    robot.pushesEnd = true;
    robot.getTask.mockResolvedValue(state({ status: 'RUNNING' }));
    seed();
    await sut.step('e-1');
    expect(robot.nextLookWithin).toHaveBeenCalledWith('t-1', 30000);
    expect(pacer.plan.mock.calls[0][0]).toBe(30000);
  });

  it('should look sooner when the robot knows of an earlier moment that matters', async () => {
    robot.getTask.mockResolvedValue(state({ status: 'RUNNING' }));
    robot.nextLookWithin.mockReturnValue(7);
    seed();
    await sut.step('e-1');
    expect(pacer.plan.mock.calls[0][0]).toBe(7);
  });

  it('should never plan a look past the run deadline', async () => {
    robot.getTask.mockResolvedValue(state({ status: 'RUNNING' }));
    const start = new Date();
    seed({
      timeout_ms: 1000,
      status: ExecutionStatus.Running,
      robot_task_id: 't-1',
      start_time: start,
    });
    await sut.step('e-1');
    expect(pacer.plan.mock.calls[0][1]).toBe(start.getTime() + 1000);
  });

  it('should carry failed queries from one step to the next and back off', async () => {
    robot.getTask.mockRejectedValueOnce(new RobotError('HTTP 500', true, 500));
    seed();
    const first = await sut.step('e-1');
    expect(first).toMatchObject({ done: false, failures: 1 });
    robot.getTask.mockRejectedValueOnce(new RobotError('HTTP 500', true, 500));
    expect(await sut.step('e-1', 1)).toMatchObject({ done: false, failures: 2 });
    robot.getTask.mockRejectedValueOnce(new RobotError('HTTP 500', true, 500));
    expect(await sut.step('e-1', 2)).toEqual({ done: true });
    expect(row()).toMatchObject({ status: ExecutionStatus.Failed });
  });

  it('should fail a run for good when the job gave up, unless it already ended', async () => {
    seed({ status: ExecutionStatus.Running });
    await sut.giveUp('e-1', 'db down');
    expect(row()).toMatchObject({
      status: ExecutionStatus.Failed,
      error: 'Execution aborted after repeated internal errors: db down',
      error_code: 'worker_gave_up',
    });
    await sut.giveUp('e-1', 'again');
    expect(types()).toEqual(['execution.failed']);
  });
});

import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionErrors } from './execution.constants';
import { ExecutionEvent, ExecutionEventType } from './execution.events';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionRepository } from './execution.repository';
import { ENTERED_FROM, ExecutionTransitions, allowedFrom } from './execution.transitions';

/** The executions table in memory, with the repository's conditional update. */
class FakeExecutionRepository {
  readonly rows = new Map<string, ExecutionEntity>();
  async transition(id: string, from: readonly ExecutionStatus[], patch: Partial<ExecutionEntity>) {
    const row = this.rows.get(id);
    if (!row || !from.includes(row.status)) return false;
    Object.assign(row, patch);
    return true;
  }
}

/** The bus as its subscribers see it: every event published, in order. */
class FakeBus {
  readonly published: ExecutionEvent[] = [];
  readonly safely: ExecutionEvent[] = [];
  async publish(event: ExecutionEvent) {
    this.published.push(event);
  }
  publishSafely(event: ExecutionEvent) {
    this.safely.push(event);
  }
}

const run = (status: ExecutionStatus, patch: Partial<ExecutionEntity> = {}): ExecutionEntity =>
  Object.assign(new ExecutionEntity(), {
    id: `e-${status}`,
    project_id: 'p1',
    user_id: 'alice',
    status,
    progress: 40,
    result: null,
    error: null,
    error_code: null,
    callback_url: null,
    ...patch,
  });

describe(ExecutionTransitions.name, () => {
  let executions: FakeExecutionRepository;
  let bus: FakeBus;
  let sut: ExecutionTransitions;

  beforeEach(() => {
    executions = new FakeExecutionRepository();
    bus = new FakeBus();
    sut = new ExecutionTransitions(
      executions as unknown as ExecutionRepository,
      bus as unknown as ExecutionEventBus,
    );
  });

  const stored = (execution: ExecutionEntity) => {
    executions.rows.set(execution.id, { ...execution } as ExecutionEntity);
    return execution;
  };

  it('should complete a running run with its result at 100 % and announce it once', async () => {
    const execution = stored(run(ExecutionStatus.Running));

    const ended = await sut.end(execution, {
      status: ExecutionStatus.Completed,
      result: { ok: true },
    });

    expect(ended).toMatchObject({ status: 'COMPLETED', progress: 100, result: { ok: true } });
    expect(ended).toBeInstanceOf(ExecutionEntity);
    expect(executions.rows.get(execution.id)).toMatchObject({
      status: 'COMPLETED',
      error: null,
      error_code: null,
    });
    expect(bus.published).toEqual([
      expect.objectContaining({
        type: ExecutionEventType.Completed,
        status: 'COMPLETED',
        progress: 100,
        result: { ok: true },
      }),
    ]);
  });

  it('should store a failure as its message and its code together', async () => {
    const execution = stored(run(ExecutionStatus.Running));

    const ended = await sut.end(execution, {
      status: ExecutionStatus.Failed,
      error: ExecutionErrors.timedOut(1500),
    });

    const written = { error: 'Robot task timed out after 1500 ms', error_code: 'timeout' };
    expect(ended).toMatchObject({ status: 'FAILED', result: null, ...written });
    expect(executions.rows.get(execution.id)).toMatchObject({ status: 'FAILED', ...written });
    expect(bus.published).toEqual([
      expect.objectContaining({ type: ExecutionEventType.Failed, error: written.error }),
    ]);
  });

  it('should leave a run that already ended alone and announce nothing', async () => {
    const execution = stored(
      run(ExecutionStatus.Cancelled, { error: 'Cancelled', error_code: 'cancelled' }),
    );

    const ended = await sut.end(execution, {
      status: ExecutionStatus.Failed,
      error: ExecutionErrors.workerGaveUp('boom'),
    });

    expect(ended).toBeNull();
    expect(executions.rows.get(execution.id)).toMatchObject({
      status: 'CANCELLED',
      error_code: 'cancelled',
    });
    expect(bus.published).toEqual([]);
  });

  it('should end only from the narrower statuses asked for, announcing best effort', async () => {
    const running = stored(run(ExecutionStatus.Running));
    const pending = stored(run(ExecutionStatus.Pending, { callback_url: 'https://cb.test' }));
    const onlyPending = { from: [ExecutionStatus.Pending], announceBestEffort: true };

    const notEnded = await sut.end(
      running,
      { status: ExecutionStatus.Failed, error: ExecutionErrors.enqueueFailed },
      onlyPending,
    );
    const ended = await sut.end(
      pending,
      { status: ExecutionStatus.Failed, error: ExecutionErrors.enqueueFailed },
      onlyPending,
    );

    expect(notEnded).toBeNull();
    expect(ended).toMatchObject({
      status: 'FAILED',
      error: 'The execution could not be queued',
      error_code: 'queue_unavailable',
    });
    expect(executions.rows.get(pending.id)).toMatchObject({ error_code: 'queue_unavailable' });
    expect(bus.published).toEqual([]);
    expect(bus.safely).toEqual([
      expect.objectContaining({
        type: ExecutionEventType.Failed,
        execution_id: pending.id,
        error: 'The execution could not be queued',
        has_callback: true,
      }),
    ]);
  });
  it('should cancel, settle between the update and the event, and announce the settled run', async () => {
    const execution = stored(run(ExecutionStatus.Running, { robot_task_id: 't-1' }));
    const seenBySettle: Array<{ status?: ExecutionStatus; events: number }> = [];

    const cancelled = await sut.cancel(execution, ExecutionErrors.cancelled, async (ended) => {
      seenBySettle.push({
        status: executions.rows.get(ended.id)?.status,
        events: bus.published.length,
      });
      return { ...ended, progress: 55 } as ExecutionEntity;
    });

    expect(seenBySettle).toEqual([{ status: 'CANCELLED', events: 0 }]);
    expect(cancelled).toMatchObject({
      status: 'CANCELLED',
      error: 'Cancelled',
      error_code: 'cancelled',
      progress: 55,
    });
    expect(bus.published).toEqual([
      expect.objectContaining({ type: ExecutionEventType.Cancelled, progress: 55 }),
    ]);
  });

  it('should not settle nor announce a cancel of a run that already ended', async () => {
    const execution = stored(run(ExecutionStatus.Completed));
    let settled = false;

    const cancelled = await sut.cancel(execution, ExecutionErrors.cancelled, async (ended) => {
      settled = true;
      return ended;
    });

    expect(cancelled).toBeNull();
    expect(settled).toBe(false);
    expect(bus.published).toEqual([]);
  });
});

describe(allowedFrom.name, () => {
  it('should let runs end or start running only while PENDING or RUNNING', () => {
    for (const to of [
      ExecutionStatus.Running,
      ExecutionStatus.Completed,
      ExecutionStatus.Failed,
      ExecutionStatus.Cancelled,
    ]) {
      expect(allowedFrom(to)).toEqual([ExecutionStatus.Pending, ExecutionStatus.Running]);
    }
  });

  it('should refuse a change out of an ended status, or back to PENDING', () => {
    expect(() => allowedFrom(ExecutionStatus.Failed, [ExecutionStatus.Completed])).toThrow(
      'No transition to FAILED from COMPLETED',
    );
    expect(() => allowedFrom(ExecutionStatus.Pending)).toThrow('No transition to PENDING');
    expect(ENTERED_FROM[ExecutionStatus.Pending]).toEqual([]);
  });
});

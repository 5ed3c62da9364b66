import { DEFAULT_BEHAVIOUR, sanitiseBehaviour } from './behaviour';
import { RobotSimulator, SimAnswer, SimTaskView } from './simulator';

function data<T>(answer: SimAnswer<T>): T {
  if (!('data' in answer)) throw new Error(`HTTP ${answer.status}: ${answer.message}`);
  return answer.data;
}

describe(RobotSimulator.name, () => {
  let clock: number;
  let sut: RobotSimulator;
  beforeEach(() => {
    clock = 1_000_000;
    sut = new RobotSimulator({ delay_ms: 1000 }, () => clock);
  });

  const create = (params: Record<string, unknown> = {}, key?: string) =>
    data(sut.create({ project_id: 'p1', params }, key)).executionId;
  const view = (taskId: string): SimTaskView => data(sut.query(taskId)).execution;

  it('should keep a task RUNNING until delay_ms, then complete it with its params as data', () => {
    const id = create({ month: '2026-10', __sim: { progress_steps: 0 } });
    expect(view(id)).toEqual({
      status: 'RUNNING',
      progress: 0,
      result: null,
      error: null,
      logs: [],
    });
    clock += 999;
    expect(view(id).status).toBe('RUNNING');
    clock += 1;
    expect(view(id)).toEqual({
      status: 'COMPLETED',
      progress: 100,
      result: { data: { month: '2026-10' } },
      error: null,
      logs: [],
    });
  });

  it('should complete a task with delay_ms 0 on the first query', () => {
    expect(view(create({ __sim: { delay_ms: 0 } })).status).toBe('COMPLETED');
  });

  it('should report progress steps and log lines on the way', () => {
    const id = create({ __sim: { progress_steps: 4, log_lines: 3 } });
    clock += 300;
    expect(view(id)).toMatchObject({ status: 'RUNNING', progress: 25 });
    expect(view(id).logs.map((l) => l.seq)).toEqual([1]);
    clock += 300;
    expect(view(id)).toMatchObject({ progress: 50 });
    expect(view(id).logs.map((l) => l.message)).toEqual(['step 1 of 3', 'step 2 of 3']);
    clock += 500;
    expect(view(id)).toMatchObject({ status: 'COMPLETED', progress: 100 });
    expect(view(id).logs).toHaveLength(3);
  });

  it('should fail a task with the given error, or a default one', () => {
    const named = create({ __sim: { fail: 'paper jam' } });
    const plain = create({ __sim: { fail: true } });
    clock += 1000;
    expect(view(named)).toMatchObject({ status: 'FAILED', error: 'paper jam', result: null });
    expect(view(plain)).toMatchObject({ status: 'FAILED', error: 'simulated robot failure' });
  });

  it('should keep a hanging task RUNNING below 100 until it is cancelled', () => {
    const id = create({ __sim: { hang: true, progress_steps: 10 } });
    clock += 1_000_000;
    expect(view(id)).toMatchObject({ status: 'RUNNING', progress: 90 });
    expect(data(sut.cancel(id))).toEqual({ cancelled: true });
    clock += 1000;
    expect(view(id)).toMatchObject({ status: 'CANCELLED', error: 'cancelled', result: null });
    expect(data(sut.cancel(id))).toEqual({ cancelled: false });
  });

  it('should not cancel an ended task', () => {
    const id = create({ __sim: { delay_ms: 0 } });
    expect(data(sut.cancel(id))).toEqual({ cancelled: false });
    expect(view(id).status).toBe('COMPLETED');
  });

  it('should answer create_status for the first create_failures creates of a key, then succeed', () => {
    const params = { __sim: { create_status: 500, create_failures: 2 } };
    expect(sut.create({ project_id: 'p1', params }, 'k1')).toEqual({
      status: 500,
      message: 'simulated create failure 1',
    });
    expect(sut.create({ project_id: 'p1', params }, 'k1')).toMatchObject({ status: 500 });
    const id = data(sut.create({ project_id: 'p1', params }, 'k1')).executionId;
    expect(sut.list().map((t) => t.task_id)).toEqual([id]);
    // Another key has its own count.
    expect(sut.create({ project_id: 'p1', params }, 'k2')).toMatchObject({ status: 500 });
  });

  it('should answer create_status for every create without create_failures', () => {
    for (let i = 0; i < 5; i++) {
      expect(
        sut.create({ project_id: 'p1', params: { __sim: { create_status: 400 } } }, 'k'),
      ).toMatchObject({
        status: 400,
      });
    }
    expect(sut.list()).toEqual([]);
  });

  it('should answer the same task for a repeated Idempotency-Key', () => {
    const first = create({ a: 1 }, 'exec-1');
    expect(create({ a: 1 }, 'exec-1')).toBe(first);
    expect(create({ a: 1 }, 'exec-2')).not.toBe(first);
    expect(create({ a: 1 })).not.toBe(create({ a: 1 }));
    expect(sut.list()).toHaveLength(4);
  });

  it('should answer 500 to the first query_failures queries of a task', () => {
    const id = create({ __sim: { query_failures: 2, delay_ms: 0 } });
    expect(sut.query(id)).toMatchObject({ status: 500 });
    expect(sut.query(id)).toMatchObject({ status: 500 });
    expect(view(id).status).toBe('COMPLETED');
  });

  it('should answer 404 for an unknown task and 400 without a project_id', () => {
    expect(sut.query('nope')).toMatchObject({ status: 404 });
    expect(sut.cancel('nope')).toMatchObject({ status: 404 });
    expect(sut.create({ project_id: '' })).toMatchObject({ status: 400 });
    expect(sut.create(undefined as never)).toMatchObject({ status: 400 });
  });

  it('should apply default behaviour to new tasks only, and reset everything', () => {
    const before = create();
    expect(sut.setBehaviour({ fail: 'broken', delay_ms: 0, nonsense: 1 })).toMatchObject({
      fail: 'broken',
      delay_ms: 0,
    });
    const after = create();
    expect(view(after)).toMatchObject({ status: 'FAILED', error: 'broken' });
    clock += 1000;
    expect(view(before).status).toBe('COMPLETED');
    // A run's __sim wins over the defaults.
    expect(view(create({ __sim: { fail: false } })).status).toBe('COMPLETED');

    sut.reset();
    expect(sut.list()).toEqual([]);
    expect(sut.behaviour).toEqual({ ...DEFAULT_BEHAVIOUR, delay_ms: 1000 });
  });

  it('should reset to the defaults it was made with, or to the ones given', () => {
    const custom = new RobotSimulator({ delay_ms: 250, log_lines: 2 });
    custom.setBehaviour({ delay_ms: 5, hang: true });
    custom.reset();
    expect(custom.behaviour).toEqual({ ...DEFAULT_BEHAVIOUR, delay_ms: 250, log_lines: 2 });
    custom.reset({ fail: true });
    expect(custom.behaviour).toEqual({ ...DEFAULT_BEHAVIOUR, fail: true });
  });

  it('should list every task with its inputs, current status and queries', () => {
    const id = data(
      sut.create({ project_id: 'p9', params: { x: 1 }, exec_position: 'NODE-1' }),
    ).executionId;
    expect(sut.list()).toEqual([
      {
        task_id: id,
        project_id: 'p9',
        params: { x: 1 },
        exec_position: 'NODE-1',
        status: 'RUNNING',
        created_at: new Date(clock).toISOString(),
        queries: 0,
        last_query_at: null,
      },
    ]);
    clock += 1000;
    sut.query(id);
    expect(sut.list()[0]).toMatchObject({
      status: 'COMPLETED',
      queries: 1,
      last_query_at: new Date(clock).toISOString(),
    });
  });

  it('should hand a task to another simulator, which answers for it from then on', () => {
    const id = data(sut.create({ project_id: 'p9', params: { x: 2 } })).executionId;
    const other = new RobotSimulator({}, () => clock);
    expect(other.query(id)).toMatchObject({ status: 404 });
    other.adopt(sut.snapshot(id)!);
    expect(other.status(id)).toBe('RUNNING');
    clock += 1000;
    expect(data(other.query(id)).execution).toMatchObject({
      status: 'COMPLETED',
      result: { data: { x: 2 } },
    });
    expect(sut.snapshot('nope')).toBeUndefined();
  });
});

describe(sanitiseBehaviour.name, () => {
  it('should keep well-typed known fields only', () => {
    expect(
      sanitiseBehaviour({
        delay_ms: 12.7,
        create_status: -1,
        query_failures: 'x',
        log_lines: Infinity,
        fail: 'why',
        hang: 'yes',
        extra: true,
      }),
    ).toEqual({ delay_ms: 12, fail: 'why' });
    expect(sanitiseBehaviour(null)).toEqual({});
    expect(sanitiseBehaviour([1])).toEqual({});
  });
});

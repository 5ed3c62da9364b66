import { TestApp, startTestApp } from './support/app';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';

const TIMEOUT_MS = 1500;

describe('Execution failure paths (e2e, robot over HTTP)', () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  /** Same robot, but ROBOT_TIMEOUT_MS small, for runs that must time out. */
  let strict: TestApp;
  let key: string;
  let strictKey: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 50 });
    [sut, strict] = await Promise.all([
      startTestApp({
        ...robotHttpEnv(sim),
        LOG_LEVEL: 'error',
        ROBOT_QUERY_FAILURES_TOLERATED: '5',
      }),
      startTestApp({
        ...robotHttpEnv(sim),
        LOG_LEVEL: 'error',
        ROBOT_TIMEOUT_MS: String(TIMEOUT_MS),
      }),
    ]);
    key = await createKey(sut.url, 'carol');
    strictKey = await createKey(strict.url, 'carol');
    await upsertWorkflow(sut.url, 'carol', 'wf-f');
    await upsertWorkflow(strict.url, 'carol', 'wf-f');
  });
  afterAll(async () => {
    await Promise.all([sut?.close(), strict?.close()]);
    await sim?.close();
  });

  const start = (app: TestApp, apiKey: string, sim: Record<string, unknown>) =>
    startRun(app.http, apiKey, 'wf-f', { marker: Math.random(), __sim: sim });
  /** The robot tasks created for a run, found by its unique marker param. */
  const tasksOf = async (row: { parameters: Record<string, unknown> | null }) =>
    (await sim.tasks()).filter((t) => t.params.marker === row.parameters?.marker);

  it('should retry a create answered with 500 and use the one task created on the third attempt', async () => {
    const id = await start(sut, key, { create_status: 500, create_failures: 2 });
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({ status: 'COMPLETED', error: null });
    expect(sim.createCalls.get(id)).toBe(3);
    const tasks = await tasksOf(row);
    expect(tasks).toEqual([
      expect.objectContaining({ task_id: row.robot_task_id, status: 'COMPLETED' }),
    ]);
  });

  it('should fail after ROBOT_CREATE_ATTEMPTS when every create answers 500', async () => {
    const id = await start(sut, key, { create_status: 503 });
    const row = await waitForExecution(sut.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/^Robot task could not be created: .*HTTP 503/);
    expect(row.error_code).toBe('create_failed');
    expect(row.robot_task_id).toBeNull();
    expect(row.end_time).toBeInstanceOf(Date);
    expect(sim.createCalls.get(id)).toBe(3);
  });

  it('should fail at once when the create answers 400', async () => {
    const id = await start(sut, key, { create_status: 400 });
    const row = await waitForExecution(sut.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/^Robot task could not be created/);
    expect(row.error).toContain('HTTP 400');
    expect(row.robot_task_id).toBeNull();
    expect(row.result).toBeNull();
    expect(row.end_time).toBeInstanceOf(Date);
    expect(sim.createCalls.get(id)).toBe(1);
    expect(await tasksOf(row)).toEqual([]);
  });

  it("should end FAILED with the robot's error when the task fails", async () => {
    const id = await start(sut, key, { fail: 'printer on fire', delay_ms: 100 });
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({
      status: 'FAILED',
      error: 'Robot task failed: printer on fire',
      error_code: 'robot_error',
      result: null,
    });
    expect(row.robot_task_id).toEqual(expect.any(String));
    expect(row.start_time).toBeInstanceOf(Date);
    expect(row.end_time).toBeInstanceOf(Date);
    expect(sim.task(row.robot_task_id!)?.status).toBe('FAILED');
  });

  it('should tolerate a few failed queries', async () => {
    const id = await start(sut, key, { query_failures: 3, delay_ms: 0 });
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({ status: 'COMPLETED', error: null });
    expect(row.result).toMatchObject({ data: { marker: expect.any(Number) } });
  });

  it('should fail when queries keep failing beyond ROBOT_QUERY_FAILURES_TOLERATED', async () => {
    const id = await start(sut, key, { query_failures: 50, delay_ms: 0 });
    const row = await waitForExecution(sut.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/^Robot service unreachable while following the task: .*HTTP 500/);
    expect(row.error_code).toBe('robot_unreachable');
  });

  it('should end a task that hangs past ROBOT_TIMEOUT_MS as FAILED and cancel it on the robot', async () => {
    const id = await start(strict, strictKey, { hang: true });
    const row = await waitForExecution(strict.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toBe(`Robot task timed out after ${TIMEOUT_MS} ms`);
    expect(row.error_code).toBe('timeout');
    // The limit counts from when the run began, which is after it was created.
    expect(row.end_time!.getTime() - row.created_at.getTime()).toBeGreaterThanOrEqual(TIMEOUT_MS);
    await waitFor(() => sim.task(row.robot_task_id!)?.status, {
      what: 'the robot task to be cancelled',
      accept: (status) => status === 'CANCELLED',
    });
  });

  it('should honour a shorter per-run timeout_ms', async () => {
    const res = await sut.http
      .post('/v1/executions')
      .set(bearer(key))
      .send({ project_id: 'wf-f', timeout_ms: 500, params: { __sim: { hang: true } } })
      .expect(202);
    const row = await waitForExecution(sut.db, res.body.data.execution.id);
    expect(row).toMatchObject({
      status: 'FAILED',
      error: 'Robot task timed out after 500 ms',
      error_code: 'timeout',
    });
    expect(sim.task(row.robot_task_id!)?.status).toBe('CANCELLED');
  });
});

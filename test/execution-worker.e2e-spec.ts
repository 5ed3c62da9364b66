import { ExecutionQueue } from '../apps/api/src/execution/execution.queue';
import { TestApp, startTestApp } from './support/app';
import { executionRow, waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';

/**
 * The api serves HTTP in this process (APP_ROLE=api); the processor runs in a separate
 * `node dist/apps/api/main.js` process (APP_ROLE=worker) with one slot. A run waiting on its
 * robot parks its job between looks, so that one slot follows many runs; a paused queue
 * keeps a job waiting.
 */
describe('Cancel with the processor in a separate worker process (e2e)', () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  let worker: NodeProcess | undefined;
  let key: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 50 });
    sut = await startTestApp({ ...robotHttpEnv(sim), APP_ROLE: 'api', LOG_LEVEL: 'error' });
    worker = await spawnApi({ ...sut.env, EXECUTION_CONCURRENCY: '1' }, { role: 'worker' });
    key = await createKey(sut.url, 'erin');
    await upsertWorkflow(sut.url, 'erin', 'wf-w');
  });
  afterAll(async () => {
    await worker?.stop();
    await sut?.close();
    await sim?.close();
  });

  const start = (sim: Record<string, unknown> = {}) =>
    startRun(sut.http, key, 'wf-w', { __sim: sim });
  const cancel = (id: string) => sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(key));

  it('should follow several hanging runs with one worker slot', async () => {
    const ids = [
      await start({ hang: true }),
      await start({ hang: true }),
      await start({ hang: true }),
    ];
    const rows = await Promise.all(
      ids.map((id) => waitForExecution(sut.db, id, (row) => row.status === 'RUNNING')),
    );
    expect(rows.every((row) => sim.task(row.robot_task_id!)?.status === 'RUNNING')).toBe(true);
    await Promise.all(ids.map((id) => cancel(id).expect(200)));
  });

  it('should cancel a waiting job and a parked one, and their robot task', async () => {
    const busy = await start({ hang: true });
    const running = await waitForExecution(sut.db, busy, (row) => row.status === 'RUNNING');
    expect(sim.task(running.robot_task_id!)?.status).toBe('RUNNING');
    const queue = sut.app.get(ExecutionQueue);
    // Between two looks at its task the run's job is parked, holding no slot.
    await waitFor(() => queue.state(busy), {
      what: 'the running job to park',
      accept: (state) => state === 'delayed',
    });

    // A paused queue hands out nothing: this one waits.
    await queue.pause();
    const queued = await start({ delay_ms: 50 });
    expect(['waiting', 'prioritized']).toContain(await queue.state(queued));
    expect((await executionRow(sut.db, queued))?.status).toBe('PENDING');

    const cancelledWaiting = await cancel(queued).expect(200);
    expect(cancelledWaiting.body.data.execution).toMatchObject({
      id: queued,
      status: 'CANCELLED',
      error: 'Cancelled',
    });
    expect(await queue.state(queued)).toBe('unknown');
    const waitingRow = await executionRow(sut.db, queued);
    expect(waitingRow).toMatchObject({ status: 'CANCELLED', robot_task_id: null });
    expect(waitingRow?.end_time).toBeInstanceOf(Date);

    // The parked one: its job goes, and its robot task is cancelled.
    const cancelledRunning = await cancel(busy).expect(200);
    expect(cancelledRunning.body.data.execution).toMatchObject({ status: 'CANCELLED' });
    await waitFor(() => sim.task(running.robot_task_id!)?.status, {
      what: 'the robot task to be cancelled',
      accept: (status) => status === 'CANCELLED',
    });
    const endTime = (await executionRow(sut.db, busy))?.end_time;
    expect(endTime).toBeInstanceOf(Date);

    // Idempotent: a second cancel answers 200 with the same state.
    const again = await cancel(busy).expect(200);
    expect(again.body.data.execution).toMatchObject({
      status: 'CANCELLED',
      end_time: endTime!.toISOString(),
    });

    // The queue runs again: the next run completes, and an ended run cannot be cancelled.
    await queue.resume();
    const next = await start({ delay_ms: 50 });
    expect((await waitForExecution(sut.db, next)).status).toBe('COMPLETED');
    const conflict = await cancel(next).expect(409);
    expect(conflict.body).toMatchObject({ code: '5001', error: 'CONFLICT' });

    // The cancelled waiting job never reached the robot and stayed cancelled.
    expect(sim.createCalls.get(queued)).toBeUndefined();
    expect(await executionRow(sut.db, queued)).toMatchObject({ status: 'CANCELLED' });
    expect(await executionRow(sut.db, busy)).toMatchObject({
      status: 'CANCELLED',
      end_time: endTime,
    });
  });

  it('should cancel a run whose create is being retried', async () => {
    const id = await start({ create_status: 500 });
    await waitFor(() => sim.createCalls.get(id), { what: 'the first create' });
    await cancel(id).expect(200);
    // The worker's job ends; the slot serves the next run.
    const next = await start({ delay_ms: 50 });
    expect((await waitForExecution(sut.db, next)).status).toBe('COMPLETED');
    expect(await executionRow(sut.db, id)).toMatchObject({
      status: 'CANCELLED',
      robot_task_id: null,
    });
  });
});

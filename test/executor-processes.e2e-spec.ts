import { ExecutionEventBus } from '../apps/api/src/execution/execution-event.bus';
import { ExecutionEvent, isFinalEvent } from '../apps/api/src/execution/execution.events';
import { TestApp, startTestApp } from './support/app';
import { executionRow, waitForExecution } from './support/executions';
import { executorEnv } from './support/executor';
import { createKey, startRun, upsertWorkflow } from './support/fixtures';
import {
  ChildHandle,
  NodeProcess,
  ROBOT_SIM_MAIN,
  spawnApi,
  startProcess,
} from './support/process';
import { waitFor } from './support/wait';

const GRACE_MS = 3000;

/**
 * The executor bridge across processes: HTTP here (APP_ROLE=api), the executors connected to
 * another api process, the runs followed by worker processes, the executors themselves the
 * built simulator (`robot-sim --executor`) in a process of its own.
 */
describe('Executor bridge across processes (e2e)', () => {
  let sut: TestApp;
  let apiA: NodeProcess;
  const workers: NodeProcess[] = [];
  let executors: ChildHandle | undefined;
  let key: string;
  const events: ExecutionEvent[] = [];

  const startExecutors = (env: Record<string, string> = {}, args: string[] = []) =>
    startProcess(process.execPath, {
      name: 'robot-sim --executor',
      args: [ROBOT_SIM_MAIN, '--executor', ...args],
      env: {
        SIM_EXECUTOR_URL: `ws://127.0.0.1:${apiA.port}/ws`,
        SIM_EXECUTOR_KEY: key,
        SIM_DELAY_MS: '100',
        SIM_RECONNECT_MS: '200',
        ...env,
      },
      ready: async (h) => h.stdout().includes('connected to'),
    });
  const dispatchesOf = (eventId: string) =>
    (executors?.stdout().match(new RegExp(`run ${eventId}`, 'g')) ?? []).length;

  beforeAll(async () => {
    sut = await startTestApp(
      executorEnv({
        APP_ROLE: 'api',
        LOG_LEVEL: 'error',
        EXECUTOR_LOST_GRACE_MS: String(GRACE_MS),
        // A dead worker's jobs are taken over quickly.
        JOB_LOCK_MS: '3000',
        JOB_STALLED_INTERVAL_MS: '1000',
      }),
    );
    sut.app.get(ExecutionEventBus).events$.subscribe((event) => events.push(event));
    apiA = await spawnApi(sut.env, { role: 'api' });
    workers.push(await spawnApi(sut.env, { role: 'worker' }));
    key = await createKey(sut.http, 'grace');
    await upsertWorkflow(sut.http, 'grace', 'wf-exec-proc');
    executors = await startExecutors();
  });
  afterAll(async () => {
    await executors?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await apiA?.stop();
    await sut?.close();
  });

  it('should run on an executor connected to another api process, followed by a worker process', async () => {
    const listed = await waitFor(
      async () => (await sut.http.get('/v1/executors').set('X-User-Id', 'grace')).body.data,
      { what: 'the executor listed here', accept: (d) => d?.total === 1 },
    );
    expect(listed.items[0]).toMatchObject({ user_id: 'grace', running: [] });

    const id = await startRun(sut.http, key, 'wf-exec-proc', { order: 7 });
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({
      status: 'COMPLETED',
      result: { code: '0000', msg: 'success', data: { order: 7 } },
    });
    expect(dispatchesOf(row.robot_task_id!)).toBe(1);
    expect(events.filter((e) => e.execution_id === id && isFinalEvent(e))).toHaveLength(1);
  });

  it('should end a run once, dispatched once, when its worker is killed with -9 mid-run', async () => {
    const id = await startRun(sut.http, key, 'wf-exec-proc', { __sim: { delay_ms: 1500 }, n: 1 });
    const running = await waitForExecution(sut.db, id, (r) => r.robot_task_id !== null);
    const eventId = running.robot_task_id!;
    await waitFor(() => dispatchesOf(eventId) === 1, { what: 'the run to reach the executor' });
    await workers[0].crash();

    // The executor answers while no worker is alive: the reply waits in Redis.
    await waitFor(() => executors!.stdout().includes(`reply ${eventId}`), {
      what: 'the executor to reply',
    });
    expect((await executionRow(sut.db, id))?.status).toBe('RUNNING');

    workers.push(await spawnApi(sut.env, { role: 'worker' }));
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({
      status: 'COMPLETED',
      robot_task_id: eventId,
      result: { data: { n: 1 } },
    });
    expect(dispatchesOf(eventId)).toBe(1);
    // The row ends before its event is published: the event reaches this process a moment later.
    const finals = () => events.filter((e) => e.execution_id === id && isFinalEvent(e));
    await waitFor(() => finals().length > 0, { what: 'the final event' });
    expect(finals()).toHaveLength(1);
  });

  it('should run on managed engines (robot-sim --managed) across processes, across a reconnect mid-run and a killed worker', async () => {
    const managedKey = await createKey(sut.http, 'grace-managed');
    await upsertWorkflow(sut.http, 'grace-managed', 'wf-exec-managed');
    const managed = await startExecutors({ SIM_EXECUTOR_KEY: managedKey }, ['--managed']);
    try {
      const plain = await startRun(sut.http, managedKey, 'wf-exec-managed', { n: 1 });
      expect(await waitForExecution(sut.db, plain)).toMatchObject({
        status: 'COMPLETED',
        result: { code: '0000', data: { n: 1 } },
      });
      const dropped = await startRun(sut.http, managedKey, 'wf-exec-managed', {
        n: 2,
        __sim: { disconnect: true, delay_ms: 500 },
      });
      expect(await waitForExecution(sut.db, dropped)).toMatchObject({
        status: 'COMPLETED',
        result: { code: '0000', data: { n: 2 } },
      });
      expect(managed.stdout()).toMatch(/closed 1006/);
      const failed = await startRun(sut.http, managedKey, 'wf-exec-managed', {
        __sim: { fail: 'paper jam' },
      });
      const row = await waitForExecution(sut.db, failed);
      expect(row.status).toBe('FAILED');
      expect(row.error).toMatch(/paper jam/);
      // The worker following a run is killed; its successor finds the run, never starts it again.
      const resumed = await startRun(sut.http, managedKey, 'wf-exec-managed', {
        n: 3,
        __sim: { delay_ms: 1500 },
      });
      const eventId = (await waitForExecution(sut.db, resumed, (r) => r.robot_task_id !== null))
        .robot_task_id!;
      await waitFor(() => managed.stdout().includes(`run ${eventId}`), {
        what: 'the start to reach the engine',
      });
      await workers[workers.length - 1].crash();
      await waitFor(() => (managed.stdout().match(/receipt succeeded/g) ?? []).length === 3, {
        what: 'the engine to report the run succeeded',
      });
      workers.push(await spawnApi(sut.env, { role: 'worker' }));
      expect(await waitForExecution(sut.db, resumed)).toMatchObject({
        status: 'COMPLETED',
        robot_task_id: eventId,
        result: { code: '0000', data: { n: 3 } },
      });
      for (const id of [plain, dropped, failed, resumed]) {
        const eventId = (await executionRow(sut.db, id))!.robot_task_id!;
        expect((managed.stdout().match(new RegExp(`run ${eventId}`, 'g')) ?? []).length).toBe(1);
      }
    } finally {
      await managed.stop();
    }
  });

  it('should fail EXECUTOR_LOST when the executor process is killed mid-run', async () => {
    const id = await startRun(sut.http, key, 'wf-exec-proc', { __sim: { delay_ms: 60_000 } });
    const running = await waitForExecution(sut.db, id, (r) => r.robot_task_id !== null);
    await waitFor(() => dispatchesOf(running.robot_task_id!) === 1, {
      what: 'the run to reach the executor',
    });
    await executors!.crash();
    const row = await waitForExecution(sut.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/^Robot task failed: EXECUTOR_LOST/);
    executors = undefined;
  });
});

import {
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { ExecutionQueue } from '../apps/api/src/execution/execution.queue';
import { PeriodicReconciliationService } from '../apps/api/src/execution/periodic-reconciliation.service';
import { TestApp, startTestApp } from './support/app';
import { insertExecution, waitForExecution } from './support/executions';
import { upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi, spawnRobotSim } from './support/process';
import { robotHttpEnv, simTasks } from './support/robot-sim';

describe('Start-up reconciliation (e2e)', () => {
  let sim: NodeProcess;
  let api: TestApp;
  let worker: NodeProcess | undefined;

  beforeAll(async () => {
    sim = await spawnRobotSim({ SIM_DELAY_MS: '300' });
    // api role: it never reconciles at start, the worker below does.
    api = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.close();
    await sim?.stop();
  });

  it('should run executions a crash left without a job, following existing robot tasks', async () => {
    await upsertWorkflow(api.http, 'vera', 'p-crash');
    // A crash between the row insert and the enqueue.
    const pending = await insertExecution(api.db, { project_id: 'p-crash', user_id: 'vera' });
    // A crash of a worker whose job then vanished, while its robot task goes on.
    const created = await fetch(`${sim.url}/workflows/execute-async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: 'p-crash', params: { mark: 'running' } }),
    });
    const taskId = ((await created.json()) as { data: { executionId: string } }).data.executionId;
    const running = await insertExecution(api.db, {
      project_id: 'p-crash',
      user_id: 'vera',
      status: ExecutionStatus.Running,
      robot_task_id: taskId,
      start_time: new Date(),
    });

    worker = await spawnApi(
      { ...api.env, ...robotHttpEnv(sim), LOG_LEVEL: 'info' },
      { role: 'worker' },
    );
    for (const id of [pending.id, running.id]) {
      const ended = await waitForExecution(api.db, id, (row) => row.end_time !== null, 60_000);
      expect(ended.status).toBe(ExecutionStatus.Completed);
    }
    expect(worker.output()).toMatch(/Start-up reconciliation: 1 requeued, 1 resumed/);
    const final = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id: running.id });
    expect(final.robot_task_id).toBe(taskId);
    expect(final.result).toEqual({ data: { mark: 'running' } });
    // One task for the resumed run (the one made before the crash), one for the other.
    expect(await simTasks(sim.url)).toHaveLength(2);
  }, 120_000);
});

describe('Periodic reconciliation (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    // The timer is off: the test runs the passes itself.
    sut = await startTestApp({ RECONCILE_INTERVAL_MS: '0', RECONCILE_ON_START: 'false' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should run one pass at a time per database, under the MySQL named lock', async () => {
    const periodic = sut.app.get(PeriodicReconciliationService);
    const holder = sut.db.createQueryRunner();
    await holder.connect();
    try {
      // Another worker holds the lock: this one skips its pass.
      const [held] = await holder.query(
        "SELECT GET_LOCK(CONCAT('rpa-reconcile:', LEFT(MD5(DATABASE()), 24)), 0) AS got",
      );
      expect(Number(held.got)).toBe(1);
      expect(await periodic.runOnce()).toBe(false);
      await holder.query(
        "SELECT RELEASE_LOCK(CONCAT('rpa-reconcile:', LEFT(MD5(DATABASE()), 24)))",
      );
      expect(await periodic.runOnce()).toBe(true);
    } finally {
      await holder.release();
    }
  });

  it('should leave rows younger than its age threshold alone and queue older ones', async () => {
    await upsertWorkflow(sut.http, 'pia', 'p-periodic');
    const periodic = sut.app.get(PeriodicReconciliationService);
    const old = new Date(Date.now() - periodic.minAgeMs - 1000);
    // A start between its insert and its enqueue, and one a lost Redis forgot long ago.
    const fresh = await insertExecution(sut.db, { project_id: 'p-periodic', user_id: 'pia' });
    const forgotten = await insertExecution(sut.db, {
      project_id: 'p-periodic',
      user_id: 'pia',
      created_at: old,
      updated_at: old,
    });
    const queue = sut.app.get(ExecutionQueue);

    expect(await periodic.runOnce()).toBe(true);

    expect(await queue.state(fresh.id)).toBe('unknown');
    expect(await queue.state(forgotten.id)).not.toBe('unknown');
    await waitForExecution(sut.db, forgotten.id);
  });
});

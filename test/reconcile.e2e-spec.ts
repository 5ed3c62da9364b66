import {
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { insertExecution, upsertWorkflow } from './support/ops-helpers';
import { ChildApp, eventually, simTasks, spawnApi, spawnRobotSim } from './support/ops-processes';

describe('Start-up reconciliation (e2e)', () => {
  let sim: ChildApp;
  let api: TestApp;
  let worker: ChildApp | undefined;

  beforeAll(async () => {
    sim = await spawnRobotSim(300);
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

    worker = await spawnApi('worker', {
      ...api.env,
      APP_ROLE: 'worker',
      ROBOT_MODE: 'http',
      ROBOT_BASE_URL: sim.url,
      LOG_LEVEL: 'info',
    });
    for (const id of [pending.id, running.id]) {
      const ended = await eventually(
        async () => {
          const current = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id });
          return current.end_time ? current : undefined;
        },
        60_000,
        `execution ${id} ended`,
      );
      expect(ended.status).toBe(ExecutionStatus.Completed);
    }
    expect(worker.output()).toMatch(/Start-up reconciliation: 1 requeued, 1 resumed/);
    const final = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id: running.id });
    expect(final.robot_task_id).toBe(taskId);
    expect(final.result).toEqual({ data: { mark: 'running' } });
    // One task for the resumed run (the one made before the crash), one for the other.
    expect(await simTasks(sim)).toHaveLength(2);
  }, 120_000);
});

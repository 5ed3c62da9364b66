import Redis from 'ioredis';
import { SimulatorRobotClient } from '../apps/api/src/execution/robot/simulator-robot.client';
import { TestApp, startTestApp } from './support/app';
import { executionRow, waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';
import { waitFor } from './support/wait';

/**
 * ROBOT_MODE=simulator with two worker processes: a run's steps are taken by whichever
 * worker is free, so a task created in one process is queried and cancelled from the other.
 */
describe(`${SimulatorRobotClient.name} across worker processes (e2e)`, () => {
  let sut: TestApp;
  const workers: NodeProcess[] = [];
  let redis: Redis;
  let key: string;

  beforeAll(async () => {
    sut = await startTestApp({ APP_ROLE: 'api', LOG_LEVEL: 'error', SIM_PARAMS_OVERRIDES: 'true' });
    for (const name of ['worker-a', 'worker-b']) {
      workers.push(await spawnApi(sut.env, { role: 'worker', name }));
    }
    redis = new Redis(sut.env.REDIS_URL);
    key = await createKey(sut.url, 'sim-user');
    await upsertWorkflow(sut.url, 'sim-user', 'wf-sim');
  });
  afterAll(async () => {
    redis?.disconnect();
    await Promise.all(workers.map((w) => w.stop()));
    await sut?.close();
  });

  it('should complete every run although its steps move between processes', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        startRun(sut.http, key, 'wf-sim', { n, __sim: { delay_ms: 1500 } }),
      ),
    );
    const rows = await Promise.all(ids.map((id) => waitForExecution(sut.db, id)));
    expect(rows.map((row) => row.status)).toEqual(ids.map(() => 'COMPLETED'));
    expect(rows.map((row) => row.result)).toEqual(ids.map((_, n) => ({ data: { n } })));
  });

  it('should cancel the task of a parked run from any process', async () => {
    const id = await startRun(sut.http, key, 'wf-sim', { __sim: { hang: true } });
    const { robot_task_id: taskId } = await waitForExecution(
      sut.db,
      id,
      (row) => row.status === 'RUNNING',
    );
    await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(key)).expect(200);
    const shared = `${sut.env.REDIS_PREFIX}:sim:task:${taskId}`;
    await waitFor(async () => JSON.parse((await redis.get(shared)) ?? '{}').cancelledAt, {
      what: 'the shared task to be cancelled',
      accept: (at) => typeof at === 'number',
    });
    expect(await executionRow(sut.db, id)).toMatchObject({ status: 'CANCELLED' });
  });
});

import { RobotCallbackController } from '../apps/api/src/execution/robot-callback.controller';
import { TestApp, startTestApp } from './support/app';
import { expectError, okData } from './support/envelope';
import { executionRow, waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { freePort } from './support/process';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';

/**
 * ROBOT_MODE=http against a robot that calls back (the test simulator over HTTP) with
 * PUBLIC_BASE_URL set: every create carries a callback_url, and polling is a fallback so slow
 * (ten minutes) that a run ending in these tests was ended by its callback.
 */
describe(RobotCallbackController.name, () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 300 });
    const port = await freePort();
    sut = await startTestApp({
      ...robotHttpEnv(sim),
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ROBOT_POLL_FALLBACK_MS: '600000',
    });
    alice = await createKey(sut.url, 'alice');
    bob = await createKey(sut.url, 'bob');
    await upsertWorkflow(sut.url, 'alice', 'wf-cb');
    await upsertWorkflow(sut.url, 'bob', 'wf-cb-bob');
  });
  afterAll(async () => {
    await sut?.close();
    await sim?.close();
  });

  const runningTask = async (id: string) =>
    (await waitForExecution(sut.db, id, (row) => row.status === 'RUNNING')).robot_task_id!;
  /** The path and query of the run's callback_url, as the robot was given it. */
  const callbackPath = (id: string) => {
    const url = new URL(sim.callbackUrls.get(id)!);
    return { path: url.pathname, token: url.searchParams.get('token')! };
  };
  const event = (taskId: string, status = 'COMPLETED') => ({
    id: `evt-${taskId}`,
    type: 'execution.completed',
    created_at: new Date().toISOString(),
    data: { execution: { id: taskId, status } },
  });

  it('should end a run as soon as the robot calls back, without waiting for a poll', async () => {
    const id = await startRun(sut.http, alice, 'wf-cb');
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({ status: 'COMPLETED', result: { data: {} } });
    expect(sim.callbackUrls.get(id)).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v1/robot/callbacks/${id}\\?token=[\\w-]+$`),
    );
    // The query at creation, and the one the callback asked for: nothing was polled.
    expect(sim.queryCalls.get(row.robot_task_id!)).toBe(2);
  });

  it('should refuse bad tokens, unknown runs and events about another task', async () => {
    const id = await startRun(sut.http, alice, 'wf-cb', { __sim: { hang: true } });
    const taskId = await runningTask(id);
    const { path, token } = callbackPath(id);

    const badToken = await sut.http.post(`${path}?token=${token}x`).send(event(taskId));
    expectError(badToken, 401, 'UNAUTHENTICATED');
    expectError(await sut.http.post(path).send(event(taskId)), 401, 'UNAUTHENTICATED');
    const unknown = await sut.http
      .post(`/v1/robot/callbacks/00000000-0000-4000-8000-000000000000?token=${token}`)
      .send(event(taskId));
    expectError(unknown, 404, 'EXECUTION_NOT_FOUND');

    // Bob's run cannot be reached with the token of Alice's, nor Alice's about Bob's task.
    const bobs = await startRun(sut.http, bob, 'wf-cb-bob', { __sim: { hang: true } });
    const bobsTask = await runningTask(bobs);
    const crossed = await sut.http
      .post(`/v1/robot/callbacks/${bobs}?token=${token}`)
      .send(event(bobsTask));
    expectError(crossed, 401, 'UNAUTHENTICATED');
    const otherTask = await sut.http.post(`${path}?token=${token}`).send(event(bobsTask));
    expectError(otherTask, 403, 'FORBIDDEN');

    expect(await executionRow(sut.db, id)).toMatchObject({ status: 'RUNNING' });
    expect(await executionRow(sut.db, bobs)).toMatchObject({ status: 'RUNNING' });
    await sut.http.post(`/v1/executions/${bobs}/cancel`).set(bearer(bob)).expect(200);
    await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(alice)).expect(200);
  });

  it('should take a callback as "look now" only, and a repeat as a no-op', async () => {
    const id = await startRun(sut.http, alice, 'wf-cb', { __sim: { hang: true } });
    const taskId = await runningTask(id);
    const { path, token } = callbackPath(id);
    const queriesBefore = sim.queryCalls.get(taskId) ?? 0;

    // The body claims the task completed; the robot, asked at once, says it still runs.
    const res = await sut.http.post(`${path}?token=${token}`).send(event(taskId)).expect(200);
    expect(okData(res)).toEqual({ execution_id: id, status: 'RUNNING', looking: true });
    await waitFor(() => sim.queryCalls.get(taskId) ?? 0, {
      what: 'the robot to be asked',
      accept: (n) => n > queriesBefore,
    });
    expect(await executionRow(sut.db, id)).toMatchObject({ status: 'RUNNING' });

    await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(alice)).expect(200);
    await waitFor(() => sim.task(taskId)?.status, {
      what: 'the parked run’s robot task to be cancelled',
      accept: (status) => status === 'CANCELLED',
    });
    const again = await sut.http.post(`${path}?token=${token}`).send(event(taskId)).expect(200);
    expect(okData(again)).toEqual({ execution_id: id, status: 'CANCELLED', looking: false });
    expect(await executionRow(sut.db, id)).toMatchObject({ status: 'CANCELLED' });
  });

  it('should time a parked run out at its deadline and cancel its robot task', async () => {
    const res = await sut.http
      .post('/v1/executions')
      .set(bearer(alice))
      .send({ project_id: 'wf-cb', params: { __sim: { hang: true } }, timeout_ms: 1500 })
      .expect(202);
    const id = res.body.data.execution.id as string;
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({ status: 'FAILED', error: 'Robot task timed out after 1500 ms' });
    expect(sim.task(row.robot_task_id!)?.status).toBe('CANCELLED');
  });
});

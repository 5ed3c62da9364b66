import { randomUUID } from 'node:crypto';
import { RobotClient } from '../apps/api/src/execution/robot/robot-client';
import { TestApp, startTestApp } from './support/app';
import { executionRow, waitForExecution } from './support/executions';
import { ExecutorCredentials, ExecutorFixtures, Frame, executorEnv } from './support/executor';
import { bearer, createKeyWithId, startRun } from './support/fixtures';
import { waitFor } from './support/wait';
import { setTimeout as sleep } from 'node:timers/promises';

const GRACE_MS = 1500;
const RECEIPT_MS = 1500;

/** A receipt as the platform's engine sends it (field names and nesting of protocol 1). */
function receipt(start: Frame, status: string, changes: Record<string, unknown> = {}) {
  const stamp = new Date().toISOString().replace('Z', '+00:00');
  const terminal = ['succeeded', 'failed', 'cancelled', 'timeout'].includes(status);
  return {
    protocol: 1,
    executionId: start.data.executionId,
    clientId: start.data.clientId,
    runId: status === 'accepted' ? null : 'run-1',
    status,
    startedAt: status === 'accepted' ? null : stamp,
    finishedAt: terminal ? stamp : null,
    result: null,
    error: null,
    supportsCancel: true,
    ...changes,
  };
}

/**
 * The managed protocol of newer engines ("protocol 1") on `/ws`: the capabilities probe,
 * `start` / `get` / `cancel` on `execution/control`, receipts; legacy engines keep
 * `remote/run`. Real WebSocket clients send exactly the engine's frames.
 */
describe('Executor bridge managed protocol (e2e)', () => {
  let sut: TestApp;
  const fixtures = new ExecutorFixtures(() => sut, 'm');
  const user = () => fixtures.user();
  const executor = (credentials: ExecutorCredentials) => fixtures.executor(credentials);

  beforeAll(async () => {
    sut = await startTestApp(
      executorEnv({
        LOG_LEVEL: 'error',
        EXECUTOR_LOST_GRACE_MS: String(GRACE_MS),
        EXECUTOR_RECEIPT_MS: String(RECEIPT_MS),
      }),
    );
  });
  afterEach(() => fixtures.closeAll());
  afterAll(async () => {
    await sut?.close();
  });

  async function managed(key: string, clientId = `client-${randomUUID().slice(0, 8)}`) {
    const e = await executor({ key, probe: { clientId, supportsCancel: true } });
    await e.nextControl('capabilities');
    return e;
  }

  it('should probe on connect, send start instead of remote/run and complete on a succeeded receipt', async () => {
    const { userId, key, projectId } = await user();
    const e = await managed(key, 'client-a');
    expect(e.controls('capabilities')[0]).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event_time: expect.any(Number),
      channel: 'execution',
      key: 'control',
      uuid: '$root$',
      send_uuid: userId,
      need_reply: true,
      data: { protocol: 1, action: 'capabilities', owner: userId },
    });
    const id = await startRun(sut.http, key, projectId, { city: 'Hefei', n: 3 });

    const start = await e.nextControl('start');
    expect(start).toEqual({
      event_id: expect.any(String),
      event_time: expect.any(Number),
      channel: 'execution',
      key: 'control',
      uuid: '$root$',
      send_uuid: userId,
      need_reply: true,
      data: {
        protocol: 1,
        action: 'start',
        clientId: 'client-a',
        executionId: id,
        payload: {
          projectId,
          version: null,
          params: { city: 'Hefei', n: 3 },
          executionTimeout: null,
          recordingConfig: null,
        },
        owner: userId,
      },
    });
    expect(e.runs()).toEqual([]);
    const row = await waitForExecution(sut.db, id, (r) => r.robot_task_id !== null);
    expect(row.robot_task_id).toBe(start.event_id);

    e.answer(start, receipt(start, 'accepted'));
    e.push(receipt(start, 'running'));
    await sleep(300);
    expect((await executionRow(sut.db, id))?.status).toBe('RUNNING');
    e.push(receipt(start, 'succeeded', { result: { out: 42 } }));
    const done = await waitForExecution(sut.db, id);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      result: { code: '0000', data: { out: 42 } },
      error: null,
    });
    const res = await sut.http.get(`/v1/executions/${id}`).set(bearer(key)).expect(200);
    expect(res.body.data.execution.result.data).toEqual({ out: 42 });
  });

  it('should fail on a failed or timeout receipt and end CANCELLED on a cancelled one', async () => {
    const { key, projectId } = await user();
    const e = await managed(key);
    const outcomes: Array<[string, Record<string, unknown>, string, RegExp | null]> = [
      ['failed', { error: 'EXECUTION_FAILED' }, 'FAILED', /EXECUTION_FAILED/],
      ['timeout', {}, 'FAILED', /TIMEOUT/],
      ['cancelled', { runId: null, startedAt: null }, 'CANCELLED', null],
    ];
    for (const [status, changes, expected, error] of outcomes) {
      const from = e.frames.length;
      const id = await startRun(sut.http, key, projectId);
      const start = await e.nextControl('start', from);
      e.answer(start, receipt(start, status, changes));
      const row = await waitForExecution(sut.db, id);
      expect(row.status).toBe(expected);
      if (error) expect(row.error).toMatch(error);
    }
  });

  it('should refuse a receipt whose ids do not match or a terminal one without finishedAt, and ask again', async () => {
    const { key, projectId } = await user();
    const e = await managed(key);
    const id = await startRun(sut.http, key, projectId);
    const start = await e.nextControl('start');

    e.answer(start, receipt(start, 'succeeded', { clientId: 'someone-else' }));
    const get = await e.nextControl('get', e.frames.indexOf(start) + 1);
    expect(get.data).toEqual({
      protocol: 1,
      action: 'get',
      clientId: start.data.clientId,
      executionId: id,
      owner: start.send_uuid,
    });
    expect((await executionRow(sut.db, id))?.status).toBe('RUNNING');

    // Answered more than a second later: a refusal asks again at most once a second.
    await sleep(1100);
    e.answer(get, receipt(start, 'succeeded', { finishedAt: null }));
    const again = await e.nextControl('get', e.frames.indexOf(get) + 1);
    expect((await executionRow(sut.db, id))?.status).toBe('RUNNING');

    e.answer(again, receipt(start, 'succeeded', { result: [1, 2] }));
    const row = await waitForExecution(sut.db, id);
    expect(row).toMatchObject({ status: 'COMPLETED', result: { code: '0000', data: [1, 2] } });
  });

  it('should ask for the receipt (get) when none came within EXECUTOR_RECEIPT_MS', async () => {
    const { key, projectId } = await user();
    const e = await managed(key);
    const id = await startRun(sut.http, key, projectId);
    const start = await e.nextControl('start');
    const get = await e.nextControl('get', e.frames.indexOf(start) + 1, RECEIPT_MS * 5);
    expect(get.data).toMatchObject({ action: 'get', executionId: id });
    e.answer(get, receipt(start, 'succeeded'));
    expect((await waitForExecution(sut.db, id)).status).toBe('COMPLETED');
  });

  it('should drive a connection that does not answer the probe, or answers an error string, with remote/run', async () => {
    const { key, projectId } = await user();
    for (const probe of ['silent', 'legacy'] as const) {
      const e = await executor({ key, probe });
      const asked = Date.now();
      await e.nextControl('capabilities');
      const id = await startRun(sut.http, key, projectId);
      const run = await e.nextRun();
      // Without an answer the probe waits its 2 s; an error string decides at once.
      if (probe === 'silent') expect(Date.now() - asked).toBeGreaterThanOrEqual(1900);
      expect(e.controls('start')).toEqual([]);
      e.reply(run.event_id!, { code: '0000', msg: 'ok', data: { probe } });
      expect((await waitForExecution(sut.db, id)).result).toMatchObject({ data: { probe } });
      e.close();
    }
  });

  it('should send cancel with the run id on cancel and end CANCELLED', async () => {
    const { key, projectId } = await user();
    const e = await managed(key);
    const id = await startRun(sut.http, key, projectId);
    const start = await e.nextControl('start');
    e.answer(start, receipt(start, 'running', { runId: 'run-77' }));
    await waitFor(
      async () => (await sut.http.get('/v1/executors').set(bearer(key))).body.data.items[0].running,
      { what: 'the run listed', accept: (r: string[]) => r.includes(id) },
    );
    await sleep(200);
    await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(key)).expect(200);
    const cancel = await e.nextControl('cancel', e.frames.indexOf(start) + 1);
    expect(cancel.data).toEqual({
      protocol: 1,
      action: 'cancel',
      clientId: start.data.clientId,
      executionId: id,
      runId: 'run-77',
      owner: start.send_uuid,
    });
    expect(e.frames.filter((f) => f.channel === 'remote' && f.key === 'stop')).toEqual([]);
    expect((await waitForExecution(sut.db, id)).status).toBe('CANCELLED');
  });

  it('should send start once per run, even when the run is handed to the robot again', async () => {
    const { userId, key, projectId } = await user();
    const e = await managed(key);
    const id = await startRun(sut.http, key, projectId);
    const start = await e.nextControl('start');
    // What a job resumed after a worker crash does: create the task again.
    const robot = sut.app.get(RobotClient);
    const again = await robot.createTask(
      { project_id: projectId, params: {}, exec_position: 'EXECUTOR', user_id: userId },
      { executionId: id },
    );
    expect(again).toBe(start.event_id);
    await sleep(1500);
    expect(e.controls('start')).toHaveLength(1);
    e.answer(start, receipt(start, 'succeeded'));
    expect((await waitForExecution(sut.db, id)).status).toBe('COMPLETED');
  });

  it('should close a connection with 1008 when its API key expires, its run failing EXECUTOR_LOST', async () => {
    const { userId, projectId } = await user();
    const expires = new Date(Date.now() + 3000);
    const { key } = await createKeyWithId(sut.http, userId, { expires_at: expires.toISOString() });
    const e = await executor({ key });
    const id = await startRun(sut.http, key, projectId);
    await e.nextRun();
    const closed = await e.waitClosed();
    expect(closed).toMatchObject({ code: 1008, reason: 'The API key expired' });
    expect(closed.at).toBeGreaterThanOrEqual(expires.getTime() - 50);
    expect(e.frames.find((f) => f.channel === 'exit')?.data).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const row = await waitForExecution(sut.db, id);
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/EXECUTOR_LOST/);
  });
});

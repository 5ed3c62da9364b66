import { NodeProcess, spawnRobotSim } from './support/process';

interface SimEnvelope {
  code: string;
  msg: string;
  data: {
    executionId?: string;
    execution?: { status: string };
    tasks?: unknown[];
  } & Record<string, unknown>;
}

/** The simulator as its own process (docs/robot-service.md): `node dist/apps/robot-sim/main.js`. */
describe('Robot simulator process (e2e)', () => {
  let sut: NodeProcess;
  const token = 'sim-token-0123456789';
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(`${sut.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `key-${path}-${JSON.stringify(body)}`,
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as SimEnvelope };
  };

  beforeAll(async () => {
    sut = await spawnRobotSim({ SIM_DELAY_MS: '0', SIM_ACCESS_TOKEN: token });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('should refuse callers without the access token, except on /health', async () => {
    expect((await call('GET', '/sim/tasks', undefined, false)).status).toBe(401);
    expect((await call('GET', '/health', undefined, false)).status).toBe(200);
  });

  it('should create, query and list tasks with the platform envelope', async () => {
    const created = await call('POST', '/workflows/execute-async', {
      project_id: 'p1',
      params: { a: 1 },
      exec_position: 'EXECUTOR',
    });
    expect(created).toEqual({
      status: 200,
      body: { code: '0000', msg: '', data: { executionId: expect.any(String) } },
    });
    const taskId = created.body.data.executionId!;
    const queried = await call('GET', `/executions/${taskId}`);
    expect(queried.body).toMatchObject({
      code: '0000',
      data: { execution: { status: 'COMPLETED', result: { data: { a: 1 } }, progress: 100 } },
    });
    const tasks = await call('GET', '/sim/tasks');
    expect(tasks.body.data.tasks).toEqual([
      expect.objectContaining({ task_id: taskId, project_id: 'p1', status: 'COMPLETED' }),
    ]);
    expect((await call('GET', '/executions/nope')).status).toBe(404);
  });

  it('should apply POST /sim/behaviour to new tasks and forget everything on reset', async () => {
    const behaviour = await call('POST', '/sim/behaviour', { hang: true, create_status: 200 });
    expect(behaviour.body.data).toMatchObject({ hang: true, delay_ms: 0 });
    const taskId = (await call('POST', '/workflows/execute-async', { project_id: 'p2' })).body.data
      .executionId!;
    expect((await call('GET', `/executions/${taskId}`)).body.data.execution?.status).toBe(
      'RUNNING',
    );
    expect((await call('POST', `/executions/${taskId}/cancel`)).body.data).toEqual({
      cancelled: true,
    });
    expect((await call('GET', `/executions/${taskId}`)).body.data.execution?.status).toBe(
      'CANCELLED',
    );

    await call('POST', '/sim/behaviour', { create_status: 500 });
    const refused = await call('POST', '/workflows/execute-async', { project_id: 'p3' });
    expect(refused).toMatchObject({ status: 500, body: { code: '5001', data: null } });

    await call('POST', '/sim/reset');
    expect((await call('GET', '/sim/tasks')).body.data.tasks).toEqual([]);
    // Back to the process's own defaults (SIM_DELAY_MS), not the library's.
    expect((await call('GET', '/sim/behaviour')).body.data).toMatchObject({
      hang: false,
      create_status: 200,
      delay_ms: 0,
    });
  });
});

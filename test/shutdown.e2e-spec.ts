import { AddressInfo, Server, createServer } from 'node:net';
import Redis from 'ioredis';
import { QueryRunner } from 'typeorm';
import { parseEventMessage } from '../apps/api/src/execution/execution-event.log';
import request from 'supertest';
import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { metricValue } from './support/metrics';
import { NodeProcess, spawnApi, spawnRobotSim } from './support/process';
import { robotHttpEnv, simTasks } from './support/robot-sim';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';
import { executionJobs } from './support/queues';

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long stop() waits before SIGKILL: far past every SHUTDOWN_TIMEOUT_MS here, so the exit is the app's own. */
const GRACE_MS = 60_000;
const RUNS = 50;
const FINAL = new Set(['execution.completed', 'execution.failed', 'execution.cancelled']);

describe('Graceful shutdown of a worker during 50 running executions (e2e)', () => {
  let sim: NodeProcess;
  let api: TestApp;
  let workerEnv: Record<string, string>;
  const workers: NodeProcess[] = [];
  let events: Redis;
  /** Final events seen on the domain event channel, per execution. */
  const finals = new Map<string, string[]>();

  beforeAll(async () => {
    // Robot tasks of a few seconds, served over HTTP by the simulator as its own process.
    sim = await spawnRobotSim({ SIM_DELAY_MS: '4000' });
    api = await startTestApp({ APP_ROLE: 'api', RATE_LIMIT_START_PER_MINUTE: '0' });
    workerEnv = {
      ...api.env,
      ...robotHttpEnv(sim),
      ROBOT_POLL_MIN_MS: '200',
      ROBOT_POLL_MAX_MS: '500',
      EXECUTION_CONCURRENCY: '100',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    };
    events = new Redis(api.env.REDIS_URL);
    await events.subscribe(`${api.env.REDIS_PREFIX}:executions:events`);
    events.on('message', (_channel: string, message: string) => {
      const event = parseEventMessage(message);
      if (!event || !FINAL.has(event.type)) return;
      finals.set(event.execution_id, [...(finals.get(event.execution_id) ?? []), event.type]);
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    events?.disconnect();
    await api?.close();
    await sim?.stop();
  });

  it('should exit within SHUTDOWN_TIMEOUT_MS and let a new worker end every execution exactly once', async () => {
    await upsertWorkflow(api.http, 'sam', 'p-shutdown');
    const key = await createKey(api.http, 'sam');
    const ids: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      ids.push(await startRun(api.http, key, 'p-shutdown', { n }));
    }
    const repo = api.db.getRepository(ExecutionEntity);
    const statuses = async () => (await repo.find()).map((e) => e.status);

    const first = await spawnApi(workerEnv, { role: 'worker', name: 'worker-1' });
    workers.push(first);
    await waitFor(async () => (await statuses()).filter((s) => s === 'RUNNING').length, {
      what: 'all executions RUNNING on worker-1',
      accept: (running) => running === RUNS,
      timeoutMs: 60_000,
    });
    const metrics = await request(first.url).get('/metrics').expect(200);
    expect(metricValue(metrics.text, 'rpa_executions_started_total', { role: 'worker' })).toBe(
      RUNS,
    );

    const signalledAt = Date.now();
    const exit = await first.stop('SIGTERM', GRACE_MS);
    const tookMs = exit.at - signalledAt;
    console.info(`worker-1 drained ${RUNS} running executions and exited in ${tookMs} ms`);
    // 0 means it finished its drain; past the timeout it would have exited with 1.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(first.output()).toMatch(/Shut down cleanly in \d+ ms/);
    const returned = /Worker closed; (\d+) active run\(s\) returned to the queue/.exec(
      first.output(),
    );
    // Runs waiting on their robot are parked between looks: only a step in progress returns.
    expect(Number(returned?.[1])).toBeLessThanOrEqual(RUNS);

    // Nothing was lost on the way: no active or failed job is left behind, and no
    // execution was ended by a stopping worker.
    const queue = executionJobs(api.app);
    const counts = await queue.getJobCounts(
      'active',
      'failed',
      'waiting',
      'prioritized',
      'delayed',
    );
    expect(counts.active).toBe(0);
    expect(counts.failed).toBe(0);
    const stillRunning = (await statuses()).filter((s) => s === 'RUNNING').length;
    expect(counts.waiting + counts.prioritized + counts.delayed).toBe(stillRunning);
    expect((await statuses()).filter((s) => s === 'FAILED')).toEqual([]);
    // Back in the queue without using up an attempt.
    const queued = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(queued.map((job) => job.attemptsMade).filter((n) => n > 0)).toEqual([]);

    const second = await spawnApi(workerEnv, { role: 'worker', name: 'worker-2' });
    workers.push(second);
    await waitFor(async () => (await statuses()).every((s) => s === 'COMPLETED'), {
      what: 'every execution COMPLETED on worker-2',
      timeoutMs: 90_000,
    });
    await waitFor(() => finals.size, {
      what: 'a final event for every execution',
      accept: (count) => count === RUNS,
      timeoutMs: 10_000,
    });
    for (const id of ids)
      expect({ id, finals: finals.get(id) }).toEqual({ id, finals: ['execution.completed'] });

    // One robot task per execution: the resumed runs followed their stored task.
    const tasks = await simTasks(sim.url);
    expect(tasks).toHaveLength(RUNS);
    const rows = await repo.find();
    expect(new Set(rows.map((r) => r.robot_task_id))).toEqual(new Set(tasks.map((t) => t.task_id)));
    expect(new Set(tasks.map((t) => t.params.n)).size).toBe(RUNS);

    expect(await second.stop('SIGTERM', GRACE_MS)).toMatchObject({ code: 0 });
  }, 240_000);
});

describe('Graceful shutdown of an api process (e2e)', () => {
  const env = testEnv({
    APP_ROLE: 'api',
    RATE_LIMIT_START_PER_MINUTE: '0',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  });
  let api: NodeProcess;
  beforeAll(async () => {
    // No worker anywhere: every execution stays PENDING, so every wait is still open.
    api = await spawnApi(env);
  });
  afterAll(async () => {
    await api?.stop('SIGKILL');
    await dropTestResources(env);
  });

  it('should tell open streams and waiting callers, answer them, and exit', async () => {
    await upsertWorkflow(api.url, 'tess', 'p-api-stop');
    const key = await createKey(api.url, 'tess');

    const id = await startRun(api.url, key, 'p-api-stop');
    const sse = await openSse(`${api.url}/v1/executions/${id}/events`, { headers: bearer(key) });
    const rpa = await openSse(`${api.url}/rpa/v1/exec`, {
      method: 'POST',
      headers: bearer(key),
      body: { project_id: 'p-api-stop', sid: 'engine-1' },
    });
    const sync = request(api.url)
      .post('/v1/workflows/p-api-stop/execute')
      .set('Authorization', `Bearer ${key}`)
      .send({})
      .then((res) => res);
    const legacy = request(api.url)
      .post('/workflows/execute')
      .set('Authorization', `Bearer ${key}`)
      .send({ project_id: 'p-api-stop' })
      .then((res) => res);
    await sse.waitFor((s) => s.text().includes('event: snapshot'), 'snapshot', 10_000);
    await waitFor(
      async () => {
        const res = await request(api.url)
          .get('/v1/executions?pageSize=1')
          .set('X-User-Id', 'tess');
        return res.body.data.total;
      },
      { what: 'four executions written', accept: (total) => total === 4, timeoutMs: 10_000 },
    );

    const exit = api.stop('SIGTERM', GRACE_MS);

    // The event stream is told and closed; EventSource clients reconnect elsewhere.
    await sse.ended;
    expect(sse.text()).toMatch(/retry: 1000\nevent: shutdown\ndata: \{"reason":"shutdown"/);
    // The engine's stream ends with its usual final line (still running: 55003) and the id.
    await rpa.ended;
    const lines = rpa
      .text()
      .split('\n')
      .filter((l) => l.startsWith('data: '));
    const last = JSON.parse(lines[lines.length - 1].slice('data: '.length));
    expect(last).toMatchObject({ code: 55003, sid: 'engine-1', execution_id: expect.any(String) });
    // Waiting callers get the execution as it stands, as when their wait runs out.
    const syncRes = await sync;
    expect(syncRes.status).toBe(202);
    expect(syncRes.body.data.execution.status).toBe('PENDING');
    const legacyRes = await legacy;
    expect(legacyRes.status).toBe(200);
    expect(legacyRes.body.data.execution.status).toBe('PENDING');

    expect(await exit).toMatchObject({ code: 0, signal: null });
    expect(api.output()).toMatch(/Closed \d+ SSE stream\(s\)/);
    await expect(fetch(`${api.url}/health`)).rejects.toThrow();
  }, 120_000);
});

describe('Shutdown timeout of a stuck worker (e2e)', () => {
  let api: TestApp;
  let sim: NodeProcess;
  let lock: QueryRunner | undefined;
  const workers: NodeProcess[] = [];
  beforeAll(async () => {
    sim = await spawnRobotSim({ SIM_DELAY_MS: '200' });
    api = await startTestApp({ APP_ROLE: 'api', RATE_LIMIT_START_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await sim?.stop();
    await lock?.rollbackTransaction().catch(() => undefined);
    await lock?.release();
    await api?.close();
  });

  it('should still exit when SHUTDOWN_TIMEOUT_MS runs out, and the job is taken over', async () => {
    await upsertWorkflow(api.http, 'uma', 'p-stuck');
    const key = await createKey(api.http, 'uma');
    const id = await startRun(api.http, key, 'p-stuck');
    // A transaction holding the execution's row: the worker's first update waits on it and
    // cannot be interrupted, which is what a stuck shutdown looks like.
    lock = api.db.createQueryRunner();
    await lock.startTransaction();
    await lock.query('SELECT id FROM executions WHERE id = ? FOR UPDATE', [id]);
    // Short job locks, so the takeover below does not wait long.
    const locks = {
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      ...robotHttpEnv(sim),
    };
    const worker = await spawnApi(
      { ...api.env, ...locks, SHUTDOWN_TIMEOUT_MS: '2000', LOG_LEVEL: 'info' },
      { role: 'worker', name: 'stuck-worker' },
    );
    workers.push(worker);
    const queue = executionJobs(api.app);
    await waitFor(() => queue.getJobState(id), {
      what: 'the job taken by the stuck worker',
      accept: (state) => state === 'active',
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const exit = await worker.stop('SIGTERM', GRACE_MS);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(worker.output()).toMatch(/Shutdown did not finish within 2000 ms: exiting now/);
    await lock.rollbackTransaction();
    await lock.release();
    lock = undefined;
    // The run did not end: its job stays active until its lock lapses, then the stalled
    // check of the next worker takes it over. (MariaDB may still apply the dead worker's
    // waiting update once the row is free, so the row is PENDING or RUNNING here.)
    const row = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id });
    expect(['PENDING', 'RUNNING']).toContain(row.status);
    expect(await queue.getJobState(id)).toBe('active');

    const next = await spawnApi({ ...api.env, ...locks }, { role: 'worker', name: 'next-worker' });
    workers.push(next);
    const ended = await waitForExecution(api.db, id, (row) => row.end_time !== null, 60_000);
    expect({ status: ended.status, error: ended.error }).toEqual({
      status: 'COMPLETED',
      error: null,
    });
  }, 120_000);
});

describe('Shutdown of a worker waiting on an unanswered robot call (e2e)', () => {
  let blackHole: Server;
  let api: TestApp;
  const workers: NodeProcess[] = [];
  beforeAll(async () => {
    // A robot service that accepts connections and never answers.
    blackHole = createServer(() => undefined);
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    api = await startTestApp({ APP_ROLE: 'api', RATE_LIMIT_START_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await api?.close();
    blackHole?.close();
  });

  it('should give up the call, return the job to the queue and exit cleanly', async () => {
    const port = (blackHole.address() as AddressInfo).port;
    await upsertWorkflow(api.http, 'vic', 'p-silent');
    const key = await createKey(api.http, 'vic');
    const id = await startRun(api.http, key, 'p-silent');
    const worker = await spawnApi(
      {
        ...api.env,
        ROBOT_MODE: 'http',
        ROBOT_BASE_URL: `http://127.0.0.1:${port}`,
        ROBOT_HTTP_TIMEOUT_MS: '600000',
        SHUTDOWN_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'info',
      },
      { role: 'worker', name: 'silent-robot-worker' },
    );
    workers.push(worker);
    const queue = executionJobs(api.app);
    await waitFor(() => queue.getJobState(id), {
      what: 'the job taken by the worker',
      accept: (state) => state === 'active',
      timeoutMs: 30_000,
    });

    const exit = await worker.stop('SIGTERM', GRACE_MS);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(worker.output()).toMatch(/1 active run\(s\) returned to the queue/);
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(id));
    const row = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id });
    expect(row.status).toBe('PENDING');
  }, 120_000);
});

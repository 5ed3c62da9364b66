import { AddressInfo, Server, createServer } from 'node:net';
import Redis from 'ioredis';
import request from 'supertest';
import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { ExecutionQueue } from '../apps/api/src/execution/execution.queue';
import { TestApp, startTestApp } from './support/app';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { createKey, metricValue, startExecution, upsertWorkflow } from './support/ops-helpers';
import { ChildApp, eventually, simTasks, spawnApi, spawnRobotSim } from './support/ops-processes';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const RUNS = 50;
const FINAL = new Set(['execution.completed', 'execution.failed', 'execution.cancelled']);

/** Reads a streamed answer as it comes; `ended` resolves with all of it once it closes. */
function collect(res: Response): { text: () => string; ended: Promise<string> } {
  let text = '';
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { text: () => text, ended };
}

describe('Graceful shutdown of a worker during 50 running executions (e2e)', () => {
  let sim: ChildApp;
  let api: TestApp;
  let workerEnv: Record<string, string>;
  const workers: ChildApp[] = [];
  let events: Redis;
  /** Final events seen on the domain event channel, per execution. */
  const finals = new Map<string, string[]>();

  beforeAll(async () => {
    // Robot tasks of a few seconds, served over HTTP by the simulator as its own process.
    sim = await spawnRobotSim(4000);
    api = await startTestApp({ APP_ROLE: 'api', RATE_LIMIT_START_PER_MINUTE: '0' });
    workerEnv = {
      ...api.env,
      APP_ROLE: 'worker',
      ROBOT_MODE: 'http',
      ROBOT_BASE_URL: sim.url,
      ROBOT_POLL_MIN_MS: '200',
      ROBOT_POLL_MAX_MS: '500',
      EXECUTION_CONCURRENCY: '100',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    };
    events = new Redis(api.env.REDIS_URL);
    await events.subscribe(`${api.env.REDIS_PREFIX}:executions:events`);
    events.on('message', (_channel: string, message: string) => {
      const event = JSON.parse(message) as { type: string; execution_id: string };
      if (!FINAL.has(event.type)) return;
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
      const res = await startExecution(api.http, key, 'p-shutdown', { n }).expect(202);
      ids.push(res.body.data.execution.id as string);
    }
    const repo = api.db.getRepository(ExecutionEntity);
    const statuses = async () => (await repo.find()).map((e) => e.status);

    const first = await spawnApi('worker-1', workerEnv);
    workers.push(first);
    await eventually(
      async () =>
        (await statuses()).filter((s) => s === 'RUNNING').length === RUNS ? true : undefined,
      60_000,
      'all executions RUNNING on worker-1',
    );
    const metrics = await request(first.url).get('/metrics').expect(200);
    expect(metricValue(metrics.text, 'rpa_executions_started_total', { role: 'worker' })).toBe(
      RUNS,
    );

    const signalledAt = Date.now();
    const exit = await first.stop('SIGTERM');
    const tookMs = exit.at - signalledAt;
    console.info(`worker-1 drained ${RUNS} running executions and exited in ${tookMs} ms`);
    // 0 means it finished its drain; past the timeout it would have exited with 1.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(first.output()).toMatch(/Shut down cleanly in \d+ ms/);
    const returned = /Worker closed; (\d+) active run\(s\) returned to the queue/.exec(
      first.output(),
    );
    expect(Number(returned?.[1])).toBeGreaterThan(0);

    // Nothing was lost on the way: no active or failed job is left behind, and no
    // execution was ended by a stopping worker.
    const queue = api.app.get(ExecutionQueue).queue;
    const counts = await queue.getJobCounts('active', 'failed', 'waiting', 'prioritized');
    expect(counts.active).toBe(0);
    expect(counts.failed).toBe(0);
    const stillRunning = (await statuses()).filter((s) => s === 'RUNNING').length;
    expect(counts.waiting + counts.prioritized).toBe(stillRunning);
    expect((await statuses()).filter((s) => s === 'FAILED')).toEqual([]);
    // Back in the queue without using up an attempt.
    const queued = await queue.getJobs(['waiting', 'prioritized']);
    expect(queued.map((job) => job.attemptsMade).filter((n) => n > 0)).toEqual([]);

    const second = await spawnApi('worker-2', workerEnv);
    workers.push(second);
    await eventually(
      async () => ((await statuses()).every((s) => s === 'COMPLETED') ? true : undefined),
      90_000,
      'every execution COMPLETED on worker-2',
    );
    await eventually(
      async () => (finals.size === RUNS ? true : undefined),
      10_000,
      'a final event for every execution',
    );
    for (const id of ids)
      expect({ id, finals: finals.get(id) }).toEqual({ id, finals: ['execution.completed'] });

    // One robot task per execution: the resumed runs followed their stored task.
    const tasks = await simTasks(sim);
    expect(tasks).toHaveLength(RUNS);
    const rows = await repo.find();
    expect(new Set(rows.map((r) => r.robot_task_id))).toEqual(new Set(tasks.map((t) => t.task_id)));
    expect(new Set(tasks.map((t) => t.params.n)).size).toBe(RUNS);

    expect(await second.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 240_000);
});

describe('Graceful shutdown of an api process (e2e)', () => {
  const env = testEnv({
    APP_ROLE: 'api',
    RATE_LIMIT_START_PER_MINUTE: '0',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  });
  let api: ChildApp;
  beforeAll(async () => {
    // No worker anywhere: every execution stays PENDING, so every wait is still open.
    api = await spawnApi('api', env);
  });
  afterAll(async () => {
    await api?.stop('SIGKILL');
    await dropTestResources(env);
  });

  it('should tell open streams and waiting callers, answer them, and exit', async () => {
    await upsertWorkflow(api.url, 'tess', 'p-api-stop');
    const key = await createKey(api.url, 'tess');
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const started = await startExecution(api.url, key, 'p-api-stop').expect(202);
    const id = started.body.data.execution.id as string;
    const sse = collect(await fetch(`${api.url}/executions/${id}/events`, { headers: auth }));
    const rpa = collect(
      await fetch(`${api.url}/rpa/v1/exec`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ project_id: 'p-api-stop', sid: 'engine-1' }),
      }),
    );
    const sync = request(api.url)
      .post('/workflows/p-api-stop/execute')
      .set('Authorization', `Bearer ${key}`)
      .send({})
      .then((res) => res);
    const legacy = request(api.url)
      .post('/workflows/execute')
      .set('Authorization', `Bearer ${key}`)
      .send({ project_id: 'p-api-stop' })
      .then((res) => res);
    await eventually(
      async () => (sse.text().includes('event: snapshot') ? true : undefined),
      10_000,
      'snapshot',
    );
    await eventually(
      async () => {
        const res = await request(api.url).get('/executions?pageSize=1').set('X-User-Id', 'tess');
        return res.body.data.total === 4 ? true : undefined;
      },
      10_000,
      'four executions written',
    );

    const exit = api.stop('SIGTERM');

    // The event stream is told and closed; EventSource clients reconnect elsewhere.
    const streamed = await sse.ended;
    expect(streamed).toMatch(/retry: 1000\nevent: shutdown\ndata: \{"reason":"shutdown"/);
    // The engine's stream ends with its usual final line (still running: 55003) and the id.
    const lines = (await rpa.ended).split('\n').filter((l) => l.startsWith('data: '));
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
  let blackHole: Server;
  let api: TestApp;
  const workers: ChildApp[] = [];
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

  it('should still exit when SHUTDOWN_TIMEOUT_MS runs out, and the job is taken over', async () => {
    const port = (blackHole.address() as AddressInfo).port;
    await upsertWorkflow(api.http, 'uma', 'p-stuck');
    const key = await createKey(api.http, 'uma');
    const res = await startExecution(api.http, key, 'p-stuck').expect(202);
    const id = res.body.data.execution.id as string;
    // Short job locks, so the takeover below does not wait long.
    const locks = { JOB_LOCK_MS: '2000', JOB_STALLED_INTERVAL_MS: '1000' };
    const worker = await spawnApi('stuck-worker', {
      ...api.env,
      ...locks,
      APP_ROLE: 'worker',
      ROBOT_MODE: 'http',
      ROBOT_BASE_URL: `http://127.0.0.1:${port}`,
      ROBOT_HTTP_TIMEOUT_MS: '600000',
      SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    const queue = api.app.get(ExecutionQueue).queue;
    await eventually(
      async () => ((await queue.getJobState(id)) === 'active' ? true : undefined),
      30_000,
      'the job taken by the stuck worker',
    );

    const exit = await worker.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(worker.output()).toMatch(/Shutdown did not finish within 2000 ms: exiting now/);
    // The run did not end: its job stays active until its lock lapses, then the stalled
    // check of the next worker takes it over (the runner resumes it without a second task).
    const row = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id });
    expect(row.status).toBe('PENDING');
    expect(await queue.getJobState(id)).toBe('active');

    const next = await spawnApi('next-worker', {
      ...api.env,
      ...locks,
      APP_ROLE: 'worker',
      ROBOT_MODE: 'simulator',
    });
    workers.push(next);
    const ended = await eventually(
      async () => {
        const current = await api.db.getRepository(ExecutionEntity).findOneByOrFail({ id });
        return current.end_time ? current : undefined;
      },
      60_000,
      'the execution taken over and ended',
    );
    expect(ended.status).toBe('COMPLETED');
  }, 120_000);
});

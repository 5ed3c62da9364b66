import request from 'supertest';
import {
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import {
  ChildHandle,
  NodeProcess,
  freePort,
  spawnApi,
  spawnRobotSim,
  startRedisServer,
} from './support/process';
import { robotHttpEnv, simTasks } from './support/robot-sim';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';

const ADMIN = 'admin-token-for-outage-tests-0123';
const SHUTDOWN_TIMEOUT_MS = 6000;
/** "Within a few seconds": REDIS_DEADLINE_MS is 3 s; a loaded machine gets some margin. */
const ANSWER_WITHIN_MS = 6000;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

/**
 * Redis stops for real (a throw-away redis-server): every request answers within a few
 * seconds, start requests with 503 naming Redis, and a start that answered an error never
 * becomes a run once Redis is back; SSE still sends its snapshot from MySQL; a process shuts
 * down within SHUTDOWN_TIMEOUT_MS.
 */
describe('Redis unreachable (e2e)', () => {
  let redisPort: number;
  let redis: ChildHandle | undefined;
  let sim: NodeProcess;
  let db: TestApp;
  /** Worker + api, no start budget: a start writes its row, then cannot queue it. */
  let all: NodeProcess;
  /** Api with the default start budget: the budget itself needs Redis. */
  let api: NodeProcess;
  let env: Record<string, string>;
  let key: string;
  let done: string;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    sim = await spawnRobotSim({ SIM_DELAY_MS: '200' });
    // In-process only to own the database (and read it); it serves no traffic here.
    db = await startTestApp({ APP_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    env = {
      ...db.env,
      ...robotHttpEnv(sim),
      ROBOT_HTTP_TIMEOUT_MS: '1000',
      RECONCILE_INTERVAL_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
    };
    all = await spawnApi({ ...env, RATE_LIMIT_START_PER_MINUTE: '0' }, { role: 'all' });
    api = await spawnApi(env, { role: 'api' });
    await upsertWorkflow(all.url, 'otto', 'p-outage');
    key = await createKey(all.url, 'otto');
    done = await startRun(all.url, key, 'p-outage');
    await waitForExecution(db.db, done);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([all?.stop('SIGKILL'), api?.stop('SIGKILL')]);
    await db?.close();
    await sim?.stop();
    await redis?.stop();
  });

  it('should answer starts within a few seconds with 503 naming Redis, and run nothing later', async () => {
    await redis!.stop();
    redis = undefined;
    for (const proc of [all, api]) {
      await waitFor(async () => (await fetch(`${proc.url}/health/ready`)).status === 503, {
        what: 'the process to notice that Redis is gone',
      });
    }
    const rows = db.db.getRepository(ExecutionEntity);
    const before = await rows.countBy({ user_id: 'otto' });

    // Budget first (api): refused before anything is written.
    const budgeted = await timed(() =>
      request(api.url).post('/v1/executions').set(bearer(key)).send({ project_id: 'p-outage' }),
    );
    expect(budgeted.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(budgeted.value.status).toBe(503);
    expect(budgeted.value.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
    expect(budgeted.value.body.msg).toMatch(/Redis/);
    expect(await rows.countBy({ user_id: 'otto' })).toBe(before);

    // No budget (all): the row is written, cannot be queued and ends FAILED before the answer.
    const starts = await Promise.all(
      [
        () =>
          request(all.url).post('/v1/executions').set(bearer(key)).send({ project_id: 'p-outage' }),
        () =>
          request(all.url).post('/v1/workflows/p-outage/execute-async').set(bearer(key)).send({}),
        () => request(all.url).post(`/v1/executions/${done}/retry`).set(bearer(key)),
      ].map((start) => timed(start)),
    );
    for (const { value, ms } of starts) {
      expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(value.status).toBe(503);
      expect(value.body.msg).toMatch(/Redis/);
    }
    console.log(
      `Redis down: start answered in ${budgeted.ms} ms (budget), ` +
        `${starts.map((s) => s.ms).join(' / ')} ms (row written, then FAILED)`,
    );
    const refused = await rows.find({
      where: { user_id: 'otto', status: ExecutionStatus.Failed },
    });
    expect(refused).toHaveLength(3);
    const rpa = await timed(() =>
      request(all.url).post('/rpa/v1/exec').set(bearer(key)).send({ project_id: 'p-outage' }),
    );
    expect(rpa.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(rpa.value.text).toMatch(/"code":55001/);
    expect(rpa.value.text).toMatch(/Redis/);

    // Every other request answers too: from MySQL, or 503 naming Redis.
    const others = await Promise.all(
      [
        () => request(api.url).get('/v1/executions').set(bearer(key)),
        () => request(api.url).get('/admin/queue').set(bearer(ADMIN)),
        () =>
          request(api.url)
            .post('/v1/workflows/p-outage/schedules')
            .set('X-User-Id', 'otto')
            .send({ cron: '0 * * * *' }),
        () => request(api.url).post(`/v1/executions/${refused[0].id}/cancel`).set(bearer(key)),
      ].map((call) => timed(call)),
    );
    for (const { ms } of others) expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(others.map((o) => o.value.status)).toEqual([200, 503, 503, 409]);
    expect(others[1].value.body.msg).toMatch(/Redis/);

    // Redis back: the refused starts stay FAILED and no robot task is ever made for them.
    redis = await startRedisServer(redisPort);
    for (const proc of [all, api]) {
      await waitFor(async () => (await fetch(`${proc.url}/health/ready`)).status === 200, {
        what: 'the process to see Redis again',
        timeoutMs: 60_000,
      });
    }
    // Past the reconciliation's age threshold (15 s) and a few of its passes (every 2 s).
    await new Promise((resolve) => setTimeout(resolve, 22_000));
    for (const row of refused) {
      const now = await rows.findOneByOrFail({ id: row.id });
      expect(now.status).toBe(ExecutionStatus.Failed);
      expect(now.robot_task_id).toBeNull();
    }
    expect(await simTasks(sim.url)).toHaveLength(1);
  }, 180_000);

  it('should send the SSE snapshot from MySQL while Redis is down', async () => {
    await redis!.stop();
    redis = undefined;
    await waitFor(async () => (await fetch(`${api.url}/health/ready`)).status === 503, {
      what: 'the api to notice that Redis is gone',
    });
    const started = Date.now();
    const reader = await openSse(`${api.url}/v1/executions/${done}/events`, {
      headers: bearer(key),
    });
    await reader.ended;
    expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(reader.status).toBe(200);
    expect(reader.events[0].event).toBe('snapshot');
    expect(JSON.parse(reader.events[0].data)).toMatchObject({
      execution: { id: done, status: 'COMPLETED' },
    });
    // A resume cannot be replayed from Redis: the snapshot stands in for it.
    const resumed = await openSse(`${api.url}/v1/executions/${done}/events`, {
      headers: { ...bearer(key), 'Last-Event-ID': '1-0' },
    });
    await resumed.ended;
    expect(resumed.events.map((e) => e.event)).toEqual(['snapshot']);
  }, 60_000);

  it('should shut down within SHUTDOWN_TIMEOUT_MS while Redis is down', async () => {
    expect(redis).toBeUndefined();
    for (const proc of [all, api]) {
      const started = Date.now();
      const exit = await proc.stop('SIGTERM', 60_000);
      console.log(
        `Redis down: ${proc === all ? 'all' : 'api'} shut down in ${Date.now() - started} ms`,
      );
      expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(exit).toMatchObject({ code: 0 });
    }
  }, 60_000);
});

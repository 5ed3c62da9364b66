import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { In } from 'typeorm';
import {
  ACTIVE_STATUSES,
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { EXECUTION_QUEUE } from '../apps/api/src/execution/execution.constants';
import { TestApp, startTestApp } from './support/app';
import { createKey, startRun, upsertWorkflow } from './support/fixtures';
import { ChildHandle, NodeProcess, freePort, spawnApi, startRedisServer } from './support/process';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';

const RUNS = 300;
const TASK_MS = 5000;
const LIVE = new Set(['waiting', 'active', 'prioritized', 'delayed', 'paused']);

/**
 * MySQL is the record: a Redis that loses its data (FLUSHALL of a throw-away redis-server,
 * as a restart without persistence would) with runs queued and running loses none of them.
 * The periodic reconciliation (default RECONCILE_INTERVAL_MS) finds every PENDING/RUNNING
 * execution without a live job within a minute and resumes it, following stored robot tasks:
 * every run ends, each with exactly one robot task.
 */
describe('Redis losing its data (e2e)', () => {
  let redisServer: ChildHandle;
  let redis: Redis;
  let queue: Queue;
  let sim: TestRobotSim;
  let api: TestApp;
  let worker: NodeProcess;

  beforeAll(async () => {
    const port = await freePort();
    redisServer = await startRedisServer(port);
    const redisUrl = `redis://127.0.0.1:${port}`;
    redis = new Redis(redisUrl);
    sim = await startRobotSim({ delay_ms: TASK_MS });
    api = await startTestApp({
      APP_ROLE: 'api',
      REDIS_URL: redisUrl,
      RATE_LIMIT_START_PER_MINUTE: '0',
    });
    queue = new Queue(EXECUTION_QUEUE, {
      connection: { host: '127.0.0.1', port },
      prefix: `${api.env.REDIS_PREFIX}:bull`,
    });
  }, 180_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await queue?.close();
    redis?.disconnect();
    await api?.close();
    await sim?.close();
    await redisServer?.stop();
  });

  it('should resume every queued and running execution after FLUSHALL, none twice', async () => {
    await upsertWorkflow(api.http, 'lena', 'p-flush');
    const key = await createKey(api.http, 'lena');
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await startRun(api.http, key, 'p-flush', { n: i }));
    const rows = api.db.getRepository(ExecutionEntity);
    // The worker starts with all of them queued, so a backlog waits behind the running ones.
    worker = await spawnApi(
      {
        ...api.env,
        ...robotHttpEnv(sim),
        ROBOT_POLL_MIN_MS: '500',
        ROBOT_POLL_MAX_MS: '2000',
        EXECUTION_CONCURRENCY: '100',
        LOG_LEVEL: 'warn',
      },
      { role: 'worker' },
    );

    // Redis forgets everything while a hundred runs are RUNNING and the rest wait.
    await waitFor(() => rows.countBy({ status: ExecutionStatus.Running }), {
      what: 'a hundred runs to be RUNNING',
      accept: (running) => running >= 90,
      timeoutMs: 60_000,
    }).catch(async (err: Error) => {
      const counts = await rows.query('SELECT status, COUNT(*) n FROM executions GROUP BY status');
      throw new Error(`${err.message}\n${JSON.stringify(counts)}\n${worker.output().slice(-3000)}`);
    });
    const atFlush = {
      running: await rows.countBy({ status: ExecutionStatus.Running }),
      pending: await rows.countBy({ status: ExecutionStatus.Pending }),
    };
    expect(atFlush.pending).toBeGreaterThan(100);
    await redis.flushall();
    const flushedAt = Date.now();

    // Within a minute every execution still active has a live job again.
    const resumedMs = await waitFor(
      async () => {
        const active = await rows.find({
          select: { id: true },
          where: { status: In([...ACTIVE_STATUSES]) },
        });
        const states = await Promise.all(active.map((row) => queue.getJobState(row.id)));
        return states.every((state) => LIVE.has(state)) && Date.now() - flushedAt;
      },
      { what: 'every active execution to have a live job', timeoutMs: 90_000, intervalMs: 1000 },
    );
    expect(resumedMs).toBeLessThan(60_000);

    await waitFor(() => rows.countBy({ id: In(ids), status: In([...ACTIVE_STATUSES]) }), {
      what: 'every run to end',
      accept: (active) => active === 0,
      timeoutMs: 180_000,
      intervalMs: 1000,
    });
    const ended = await rows.findBy({ id: In(ids) });
    expect(ended.filter((row) => row.status !== ExecutionStatus.Completed)).toEqual([]);
    // One robot task per run: created once (by execution id), none for another run.
    const tasks = await sim.tasks();
    expect(tasks).toHaveLength(RUNS);
    expect(new Set(ended.map((row) => row.robot_task_id)).size).toBe(RUNS);
    expect([...sim.createCalls.values()].filter((calls) => calls !== 1)).toEqual([]);
    expect(sim.createCalls.size).toBe(RUNS);
    expect(new Set(tasks.map((task) => task.params.n)).size).toBe(RUNS);
    // Say what happened, for the record (docs/operating.md).
    console.log(
      `Redis data loss: flushed with ${atFlush.running} RUNNING and ${atFlush.pending} PENDING; ` +
        `all active runs had a job again after ${resumedMs} ms`,
    );
  }, 420_000);
});

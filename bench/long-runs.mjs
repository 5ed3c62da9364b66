// npm run bench:long-runs — many long runs in flight on one worker process.
// Needs MariaDB and Redis (as for the tests) and a build (the npm script builds first).
//
// For each mode, on an isolated database and Redis prefix: one api process and one worker
// process with default settings (EXECUTION_CONCURRENCY 100 included), and a robot:
//   push     — the robot simulator over HTTP, PUBLIC_BASE_URL set: tasks are created with a
//              callback_url and the simulator calls back when each ends;
//   poll     — the same simulator, no PUBLIC_BASE_URL: polling alone sees the end;
//   executor — ROBOT_MODE=executor, the executor simulator (`robot-sim --executor`) replying
//              over /ws (BENCH_EXECUTORS connections, each taking N/BENCH_EXECUTORS runs).
// BENCH_N runs of BENCH_TASK_MS each are started as fast as the api takes them; then:
//   - while every run waits (all started, none ended): worker RSS and CPU (% of one core),
//     robot queries per second (the simulator's own count);
//   - end of run → execution COMPLETED: end_time minus the task's end (created_at + delay over
//     HTTP; the reply's time recorded in Redis for executors): p50 / p99 / max;
//   - every run COMPLETED, and exactly one robot task per run.
// BENCH_DB_POOL_SIZE sets DB_POOL_SIZE (default: the service's, 20) where MySQL connections
// are scarce. BENCH_KILL=1 (push mode): once all runs wait, the worker is killed with -9 and a new one
// started; reported: every run still ends exactly once with one task, and how long after the
// restart every unfinished task had been queried again.
import { readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import Redis from 'ioredis';
import {
  dropIsolated,
  freePort,
  isolatedEnv,
  percentile,
  pool,
  request,
  seed,
  start,
  waitHealthy,
  waitUntil,
} from './lib.mjs';

const N = Number(process.env.BENCH_N ?? 10_000);
const TASK_MS = Number(process.env.BENCH_TASK_MS ?? 60_000);
const MODES = (process.env.BENCH_MODES ?? 'push,poll,executor').split(',');
const KILL = process.env.BENCH_KILL === '1';
const EXECUTORS = Number(process.env.BENCH_EXECUTORS ?? 10);
const START_CONCURRENCY = Number(process.env.BENCH_START_CONCURRENCY ?? 32);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
/** utime + stime of a process, in seconds. */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function counts(conn, db) {
  const [rows] = await conn.query(
    `SELECT status, COUNT(*) AS n FROM \`${db}\`.executions GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function simTasks(sim) {
  return (await request(`${sim.url}/sim/tasks`)).data.tasks;
}

async function oneMode(mode) {
  const apiPort = await freePort();
  const http = mode !== 'executor';
  const sim = http
    ? start(
        'robot-sim',
        'dist/apps/robot-sim/main.js',
        { SIM_DELAY_MS: String(TASK_MS) },
        await freePort(),
      )
    : undefined;
  const env = isolatedEnv({
    ROBOT_MODE: http ? 'http' : 'executor',
    ...(sim ? { ROBOT_BASE_URL: sim.url } : {}),
    ...(mode === 'push' ? { PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}` } : {}),
    ...(mode === 'executor' ? { EXECUTOR_MAX_RUNS: String(Math.ceil(N / EXECUTORS)) } : {}),
    ROBOT_TIMEOUT_MS: String(TASK_MS * 10),
    // MySQL connections are shared with whatever else runs on the machine.
    ...(process.env.BENCH_DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.BENCH_DB_POOL_SIZE } : {}),
  });
  const api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' }, apiPort);
  const procs = sim ? [sim, api] : [api];
  const db = env.DATABASE_URL.split('/').pop();
  const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
  const redis = new Redis(env.REDIS_URL);
  const startWorker = async (name) => {
    const worker = start(
      name,
      'dist/apps/api/main.js',
      { ...env, APP_ROLE: 'worker' },
      await freePort(),
    );
    procs.push(worker);
    await waitHealthy(worker);
    return worker;
  };
  try {
    if (sim) await waitHealthy(sim);
    await waitHealthy(api);
    let worker = await startWorker('worker');
    const key = await seed(api.url);
    if (!http) {
      const executors = start(
        'executors',
        'dist/apps/robot-sim/main.js',
        {
          SIM_EXECUTOR_URL: `ws://127.0.0.1:${apiPort}/ws`,
          SIM_EXECUTOR_KEY: key,
          SIM_EXECUTOR_CONNECTIONS: String(EXECUTORS),
          SIM_DELAY_MS: String(TASK_MS),
          SIM_QUIET: 'true',
        },
        await freePort(),
        [],
      );
      procs.push(executors);
      await sleep(3000);
    }
    const headers = { authorization: `Bearer ${key}` };
    const t0 = Date.now();
    await pool(N, START_CONCURRENCY, (i) =>
      request(`${api.url}/v1/workflows/bench/execute-async`, {
        method: 'POST',
        headers,
        body: { params: { i } },
      }),
    );
    const started = Date.now();
    await waitUntil(
      async () => (await counts(conn, db)).RUNNING === N,
      TASK_MS,
      'every run RUNNING',
    );
    const allRunning = Date.now();

    // While waiting: a window between every run running and the first one ending.
    const windowEnd = t0 + TASK_MS - 2000;
    const before = { at: Date.now(), cpu: cpuSeconds(worker.child.pid) };
    const queriesBefore = http ? (await simTasks(sim)).reduce((s, t) => s + t.queries, 0) : 0;
    let rssMax = rssMb(worker.child.pid);
    let kill;
    if (KILL && mode === 'push') {
      await sleep(2000);
      const killedAt = Date.now();
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await startWorker('worker-2');
      kill = { killedAt, restartedAt: Date.now() };
    }
    while (Date.now() < windowEnd - 1000 && !kill) {
      rssMax = Math.max(rssMax, rssMb(worker.child.pid));
      await sleep(1000);
    }
    const after = { at: Date.now(), cpu: cpuSeconds(worker.child.pid) };
    const queriesAfter = http ? (await simTasks(sim)).reduce((s, t) => s + t.queries, 0) : 0;
    const windowS = (after.at - before.at) / 1000;
    const waiting = {
      windowS,
      cpuPct: kill ? NaN : (100 * (after.cpu - before.cpu)) / windowS,
      rssMb: rssMax,
      queriesPerS: (queriesAfter - queriesBefore) / windowS,
    };

    if (kill) {
      // Every unfinished task queried again since the restart.
      await waitUntil(
        async () => {
          const tasks = await simTasks(sim);
          return tasks.every(
            (t) => t.status !== 'RUNNING' || Date.parse(t.last_query_at ?? 0) > kill.restartedAt,
          );
        },
        5 * 60_000,
        'every task followed again',
      ).catch(() => undefined);
      kill.followedAgainS = (Date.now() - kill.restartedAt) / 1000;
    }

    await waitUntil(
      async () => {
        const c = await counts(conn, db);
        return (c.COMPLETED ?? 0) + (c.FAILED ?? 0) + (c.CANCELLED ?? 0) === N;
      },
      TASK_MS * 5 + 120_000,
      'every run ended',
    );
    const final = await counts(conn, db);
    const [rows] = await conn.query(`SELECT id, robot_task_id, end_time FROM \`${db}\`.executions`);
    let lateness;
    let callbackLateness = [];
    let callbackSent = [];
    let tasksPerRun;
    if (http) {
      const tasks = await simTasks(sim);
      const endOf = new Map(tasks.map((t) => [t.task_id, Date.parse(t.created_at) + TASK_MS]));
      lateness = rows.map((r) => r.end_time.getTime() - endOf.get(r.robot_task_id));
      // Of that, until the callback was answered (the robot and the api's route).
      const delivered = (await request(`${sim.url}/sim/callbacks`)).data.delivered;
      callbackLateness = delivered.map((d) => Date.parse(d.answered_at) - endOf.get(d.task_id));
      callbackSent = delivered.map((d) => Date.parse(d.sent_at) - endOf.get(d.task_id));
      const perI = new Map();
      for (const t of tasks) perI.set(t.params.i, (perI.get(t.params.i) ?? 0) + 1);
      tasksPerRun = { tasks: tasks.length, twice: [...perI.values()].filter((n) => n > 1).length };
    } else {
      lateness = [];
      for (const r of rows) {
        const repliedAt = await redis.hget(
          `${env.REDIS_PREFIX}:executor:run:${r.robot_task_id}`,
          'replied_at',
        );
        if (repliedAt) lateness.push(r.end_time.getTime() - Number(repliedAt));
      }
      tasksPerRun = { tasks: rows.filter((r) => r.robot_task_id).length, twice: 0 };
    }
    return {
      mode,
      startPerS: N / ((started - t0) / 1000),
      allRunningS: (allRunning - t0) / 1000,
      waiting,
      final,
      tasksPerRun,
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: percentile(lateness, 100),
      callback: callbackLateness.length
        ? {
            n: callbackLateness.length,
            sentP50: percentile(callbackSent, 50),
            sentP99: percentile(callbackSent, 99),
            p50: percentile(callbackLateness, 50),
            p99: percentile(callbackLateness, 99),
          }
        : undefined,
      kill,
    };
  } finally {
    redis.disconnect();
    await conn.end();
    for (const p of procs.reverse()) await p.stop();
    await dropIsolated(env);
  }
}

console.log(`load at start: ${loadavg()}`);
for (const mode of MODES) {
  const r = await oneMode(mode);
  const w = r.waiting;
  console.log(
    `[${mode}] N=${N} tasks of ${TASK_MS} ms: started ${r.startPerS.toFixed(0)}/s, all RUNNING after ${r.allRunningS.toFixed(1)} s; ` +
      `ended ${JSON.stringify(r.final)}, ${r.tasksPerRun.tasks} robot tasks, ${r.tasksPerRun.twice} runs with two; ` +
      `end of task → COMPLETED p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms` +
      (r.callback
        ? ` (${r.callback.n} callbacks: sent p50 ${r.callback.sentP50} / p99 ${r.callback.sentP99} ms, ` +
          `answered p50 ${r.callback.p50} / p99 ${r.callback.p99} ms after the task's end)`
        : '') +
      '; ' +
      `while waiting (${w.windowS.toFixed(0)} s): worker RSS ${w.rssMb.toFixed(0)} MB, CPU ${w.cpuPct.toFixed(1)} % of a core, ` +
      `robot queries ${w.queriesPerS.toFixed(1)}/s (${((w.queriesPerS * 30) / N).toFixed(2)} per run per 30 s)` +
      (r.kill
        ? `; kill -9 of the worker: every task followed again ${r.kill.followedAgainS.toFixed(1)} s after the restart`
        : ''),
  );
  console.log(`load: ${loadavg()}`);
}

// npm run bench:pipeline — executions/s end to end and start→robot hand-off latency.
// Needs MariaDB and Redis (as for the tests) and a build (the npm script builds first).
//
// For each robot mode (the robot simulator as its own process over HTTP, and in-process),
// each run starts a fresh api process, worker process and simulator on an isolated database
// and Redis prefix, then measures:
//   1. a baseline in the same run: task creates sent straight to the robot simulator (HTTP);
//   2. throughput: BENCH_EXECUTIONS async starts (BENCH_CONCURRENCY in flight), timed until
//      every execution has ended, with a simulator that completes tasks instantly;
//   3. hand-off: starts at a steady BENCH_RATE per second for BENCH_RATE_SECONDS; latency from
//      sending the start request to the robot receiving the task (the simulator's own record
//      over HTTP; in-process, the execution's start_time, set as the create call returns).
// Figures are medians over BENCH_RUNS runs.
import { createConnection } from 'mysql2/promise';
import {
  dropIsolated,
  freePort,
  isolatedEnv,
  median,
  percentile,
  pool,
  request,
  seed,
  start,
  waitHealthy,
} from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_EXECUTIONS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const MODES = (process.env.BENCH_ROBOT ?? 'http,simulator').split(',');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function endedCount(conn, db) {
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS n FROM \`${db}\`.executions WHERE status IN ('COMPLETED','FAILED','CANCELLED')`,
  );
  return Number(rows[0].n);
}

async function instantRobot(sim) {
  await request(`${sim.url}/sim/reset`, { method: 'POST' });
  await request(`${sim.url}/sim/behaviour`, { method: 'POST', body: { delay_ms: 0 } });
}

async function oneRun(mode) {
  const sim = start(
    'robot-sim',
    'dist/apps/robot-sim/main.js',
    { SIM_DELAY_MS: '0' },
    await freePort(),
  );
  const env = isolatedEnv({
    ROBOT_MODE: mode,
    ROBOT_BASE_URL: sim.url,
    SIM_DELAY_MS: '0',
    EXECUTION_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? '200',
    // Lower on a shared MySQL near its connection limit (the api and the worker each hold a pool).
    DB_POOL_SIZE: process.env.BENCH_DB_POOL_SIZE ?? '30',
  });
  const api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' }, await freePort());
  const procs = [sim, api];
  const db = env.DATABASE_URL.split('/').pop();
  const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
  try {
    await waitHealthy(sim);
    await waitHealthy(api);
    const worker = start(
      'worker',
      'dist/apps/api/main.js',
      { ...env, APP_ROLE: 'worker' },
      await freePort(),
    );
    procs.push(worker);
    await waitHealthy(worker);
    const key = await seed(api.url);
    const headers = { authorization: `Bearer ${key}` };
    const startOne = (params) =>
      request(`${api.url}/v1/workflows/bench/execute-async`, {
        method: 'POST',
        headers,
        body: { params },
      });

    // 1. Baseline: the robot simulator's own create rate.
    const baseStart = performance.now();
    await pool(N, CONCURRENCY, (i) =>
      request(`${sim.url}/workflows/execute-async`, {
        method: 'POST',
        body: { project_id: 'direct', params: { i } },
      }),
    );
    const baselinePerSec = N / ((performance.now() - baseStart) / 1000);
    await instantRobot(sim);

    // Warm-up.
    await pool(200, 32, (i) => startOne({ warm: i }));
    while ((await endedCount(conn, db)) < 200) await sleep(50);

    // 2. Throughput.
    const t0 = performance.now();
    await pool(N, CONCURRENCY, (i) => startOne({ i }));
    const accepted = performance.now();
    while ((await endedCount(conn, db)) < N + 200) await sleep(20);
    const perSec = N / ((performance.now() - t0) / 1000);
    const acceptPerSec = N / ((accepted - t0) / 1000);

    // 3. Hand-off at a steady rate, once the burst above has settled (MariaDB flushes after
    // it, which is not what a steady 100 starts/s sees).
    await instantRobot(sim);
    await sleep(5000);
    const total = RATE * RATE_SECONDS;
    const sentAt = new Array(total);
    const ids = new Array(total);
    const began = Date.now();
    const inflight = [];
    for (let i = 0; i < total; i++) {
      const wait = began + (i * 1000) / RATE - Date.now();
      if (wait > 0) await sleep(wait);
      sentAt[i] = Date.now();
      inflight.push(startOne({ h: i }).then((body) => (ids[i] = body.data.executionId)));
    }
    await Promise.all(inflight);
    while ((await endedCount(conn, db)) < N + 200 + total) await sleep(50);
    let handoff;
    if (mode === 'http') {
      const tasks = (await request(`${sim.url}/sim/tasks`)).data.tasks;
      handoff = tasks
        .filter((t) => typeof t.params?.h === 'number')
        .map((t) => Date.parse(t.created_at) - sentAt[t.params.h]);
    } else {
      const index = new Map(ids.map((id, i) => [id, i]));
      const [rows] = await conn.query(
        `SELECT id, start_time FROM \`${db}\`.executions WHERE id IN (?)`,
        [ids],
      );
      handoff = rows.map((r) => r.start_time.getTime() - sentAt[index.get(r.id)]);
    }
    return {
      perSec,
      acceptPerSec,
      baselinePerSec,
      p50: percentile(handoff, 50),
      p99: percentile(handoff, 99),
      samples: handoff.length,
    };
  } finally {
    await conn.end();
    for (const p of procs.reverse()) await p.stop();
    await dropIsolated(env);
  }
}

const summary = [];
for (const mode of MODES) {
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    const r = await oneRun(mode);
    results.push(r);
    console.log(
      `[robot ${mode}] run ${run + 1}: ${r.perSec.toFixed(0)} executions/s end to end ` +
        `(starts accepted ${r.acceptPerSec.toFixed(0)}/s; direct robot creates ${r.baselinePerSec.toFixed(0)}/s); ` +
        `hand-off at ${RATE}/s p50 ${r.p50} ms, p99 ${r.p99} ms (${r.samples} samples)`,
    );
  }
  const m = (k) => median(results.map((r) => r[k]));
  summary.push(
    `robot ${mode.padEnd(9)}: ${m('perSec').toFixed(0)} executions/s end to end ` +
      `(${(m('perSec') / m('baselinePerSec')).toFixed(2)}x the direct-robot baseline of ${m('baselinePerSec').toFixed(0)}/s); ` +
      `hand-off p50 ${m('p50')} ms, p99 ${m('p99')} ms at ${RATE} starts/s`,
  );
}
console.log(
  `\nmedians of ${RUNS} runs (N=${N}, ${CONCURRENCY} starts in flight, 1 api + 1 worker process):`,
);
for (const line of summary) console.log(`  ${line}`);

// npm run bench:pipeline — executions/s end to end and start→robot hand-off latency.
// Needs MariaDB and Redis (as for the tests) and a build (npm run build).
import { createConnection } from 'mysql2/promise';
import { dropIsolated, isolatedEnv, median, percentile, pool, request, seed, start, waitHealthy } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_EXECUTIONS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const TOPOLOGY = process.env.BENCH_TOPOLOGY ?? 'split'; // split: api + worker processes; all: one process

async function completedCount(conn, db) {
  const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${db}\`.executions WHERE status IN ('COMPLETED','FAILED','CANCELLED')`);
  return Number(rows[0].n);
}

async function oneRun(run) {
  const env = isolatedEnv({
    ROBOT_MODE: 'http',
    EXECUTION_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? '200',
    DB_POOL_SIZE: '30',
  });
  const base = 18100 + run * 10;
  const sim = start('robot-sim', 'dist/apps/robot-sim/main.js', { SIM_DELAY_MS: '0' }, base);
  env.ROBOT_BASE_URL = sim.url;
  const procs = [sim];
  let api;
  if (TOPOLOGY === 'all') {
    api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'all' }, base + 1);
    procs.push(api);
  } else {
    api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' }, base + 1);
    procs.push(api);
  }
  const db = env.DATABASE_URL.split('/').pop();
  const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
  try {
    await waitHealthy(sim);
    await waitHealthy(api);
    if (TOPOLOGY !== 'all') {
      const worker = start('worker', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'worker' }, base + 2);
      procs.push(worker);
      await waitHealthy(worker);
    }
    const key = await seed(api.url);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const startOne = (params) =>
      request(`${api.url}/workflows/bench/execute-async`, { method: 'POST', headers, body: { params } });

    // Baseline measured in the same run: creates sent straight to the robot simulator.
    const baseStart = performance.now();
    await pool(N, CONCURRENCY, (i) =>
      request(`${sim.url}/workflows/execute-async`, { method: 'POST', body: { project_id: 'direct', params: { i } } }),
    );
    const baselinePerSec = N / ((performance.now() - baseStart) / 1000);
    await fetch(`${sim.url}/sim/reset`, { method: 'POST' });
    await fetch(`${sim.url}/sim/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delay_ms: 0 }) });

    // Warm-up.
    await pool(200, 32, (i) => startOne({ warm: i }));
    while ((await completedCount(conn, db)) < 200) await new Promise((r) => setTimeout(r, 50));

    // 1. Throughput: N async starts, time until all have ended.
    const t0 = performance.now();
    await pool(N, CONCURRENCY, (i) => startOne({ i }));
    const accepted = performance.now();
    while ((await completedCount(conn, db)) < N + 200) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - t0) / 1000;
    const perSec = N / elapsed;
    const acceptPerSec = N / ((accepted - t0) / 1000);

    // 2. Hand-off latency at a fixed start rate: request sent → robot received the task.
    await fetch(`${sim.url}/sim/reset`, { method: 'POST' });
    await fetch(`${sim.url}/sim/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delay_ms: 0 }) });
    const total = RATE * RATE_SECONDS;
    const sentAt = new Array(total);
    const began = Date.now();
    const inflight = [];
    for (let i = 0; i < total; i++) {
      const due = began + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sentAt[i] = Date.now();
      inflight.push(startOne({ h: i }));
    }
    await Promise.all(inflight);
    let tasks = [];
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      tasks = (await (await fetch(`${sim.url}/sim/tasks`)).json()).data.tasks;
      if (tasks.length >= total) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const handoff = tasks.filter((t) => typeof t.params?.h === 'number').map((t) => Date.parse(t.created_at) - sentAt[t.params.h]);
    return {
      perSec,
      acceptPerSec,
      baselinePerSec,
      p50: percentile(handoff, 50),
      p99: percentile(handoff, 99),
      handoffSamples: handoff.length,
    };
  } finally {
    await conn.end();
    for (const p of procs.reverse()) await p.stop();
    await dropIsolated(env);
  }
}

const results = [];
for (let run = 0; run < RUNS; run++) {
  const r = await oneRun(run);
  results.push(r);
  console.log(
    `run ${run + 1}: ${r.perSec.toFixed(0)} executions/s end to end (starts accepted ${r.acceptPerSec.toFixed(0)}/s; ` +
      `baseline direct robot creates ${r.baselinePerSec.toFixed(0)}/s); hand-off at ${RATE}/s p50 ${r.p50} ms p99 ${r.p99} ms (${r.handoffSamples} samples)`,
  );
}
const m = (k) => median(results.map((r) => r[k]));
console.log(
  `\nmedian of ${RUNS} runs (${TOPOLOGY}, N=${N}, concurrency ${CONCURRENCY}): ` +
    `${m('perSec').toFixed(0)} executions/s end to end = ${(m('perSec') / m('baselinePerSec')).toFixed(2)}x the direct-robot baseline (${m('baselinePerSec').toFixed(0)}/s); ` +
    `hand-off p50 ${m('p50')} ms, p99 ${m('p99')} ms at ${RATE} starts/s`,
);

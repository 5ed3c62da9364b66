// node bench/ops.mjs — operations numbers (needs MariaDB, Redis and `npm run build`):
//  1. drain: SIGTERM to a worker following BENCH_DRAIN_RUNS running executions: time to exit,
//     then time for a new worker to end them all, robot tasks per execution (must be 1).
//  2. start cost: POST /executions latency and throughput with the per-key rate limiter and
//     the per-user cap off, then on (limits high enough never to refuse).
//     A third pass turns fair share off too (FAIR_SHARE=false: no count of the user's runs).
// Settings: BENCH_DRAIN_RUNS (500), BENCH_STARTS (2000), BENCH_CONCURRENCY (32),
// BENCH_PARTS (drain,start: which parts run).
import { createConnection } from 'mysql2/promise';
import { dropIsolated, isolatedEnv, launch, percentile, waitUntil } from './lib.mjs';

const DRAIN_RUNS = Number(process.env.BENCH_DRAIN_RUNS ?? 500);
const STARTS = Number(process.env.BENCH_STARTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PARTS = (process.env.BENCH_PARTS ?? 'drain,start').split(',');

const start = (name, script, env) => launch(name, script, env);
const stop = (proc, signal = 'SIGTERM') => proc.signal(signal);
const drop = dropIsolated;

async function call(url, method, path, { body, headers = {} } = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function seed(url, user, project) {
  await call(url, 'POST', '/v1/workflows/upsert', {
    headers: { 'x-user-id': user },
    body: { project_id: project, name: project },
  });
  const key = await call(url, 'POST', '/v1/api-keys', {
    headers: { 'x-user-id': user },
    body: { name: 'bench' },
  });
  return key.body.data.api_key;
}

async function drainBench() {
  const sim = await start('robot-sim', 'dist/apps/robot-sim/main.js', { SIM_DELAY_MS: '20000' });
  const env = isolatedEnv({
    ROBOT_MODE: 'http',
    ROBOT_BASE_URL: sim.url,
    RATE_LIMIT_START_PER_MINUTE: '0',
    EXECUTION_CONCURRENCY: String(DRAIN_RUNS * 2),
    ROBOT_POLL_MAX_MS: '1000',
  });
  const db = env.DATABASE_URL.split('/').pop();
  const procs = [sim];
  const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
  try {
    const api = await start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' });
    procs.push(api);
    const key = await seed(api.url, 'bench', 'p-drain');
    const ids = [];
    for (let i = 0; i < DRAIN_RUNS; i += CONCURRENCY) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, DRAIN_RUNS - i) }, (_, j) =>
          call(api.url, 'POST', '/v1/executions', {
            headers: { authorization: `Bearer ${key}` },
            body: { project_id: 'p-drain', params: { n: i + j } },
          }),
        ),
      );
      ids.push(...batch.map((r) => r.body.data.execution.id));
    }
    const count = async (status) => {
      const [rows] = await conn.query(
        `SELECT COUNT(*) AS n FROM \`${db}\`.executions WHERE status = ?`,
        [status],
      );
      return Number(rows[0].n);
    };
    const w1 = await start('worker-1', 'dist/apps/api/main.js', {
      ...env,
      APP_ROLE: 'worker',
      LOG_LEVEL: 'info',
    });
    procs.push(w1);
    await waitUntil(async () => (await count('RUNNING')) === DRAIN_RUNS, 120_000, 'all RUNNING');
    const signalled = Date.now();
    const exit = await stop(w1);
    const drainMs = exit.at - signalled;
    const returned = /Worker closed; (\d+) active run/.exec(w1.output())?.[1];

    const w2Started = Date.now();
    const w2 = await start('worker-2', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'worker' });
    procs.push(w2);
    await waitUntil(
      async () => (await count('COMPLETED')) === DRAIN_RUNS,
      180_000,
      'all COMPLETED',
    );
    const takeoverMs = Date.now() - w2Started;
    const tasks = (await (await fetch(`${sim.url}/sim/tasks`)).json()).data.tasks;
    return {
      runs: DRAIN_RUNS,
      worker1_exit_code: exit.code,
      worker1_drain_ms: drainMs,
      runs_returned_to_queue: Number(returned),
      worker2_start_to_all_completed_ms: takeoverMs,
      robot_tasks: tasks.length,
      executions: ids.length,
    };
  } finally {
    await conn.end();
    for (const p of procs.reverse()) await stop(p, 'SIGKILL');
    await drop(env);
  }
}

async function startCost(label, limits) {
  const env = isolatedEnv({ ROBOT_MODE: 'simulator', ...limits });
  const api = await start(`api-${label}`, 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' });
  try {
    const key = await seed(api.url, 'bench', 'p-cost');
    const latencies = [];
    let refused = 0;
    let next = 0;
    const began = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < STARTS) {
          next++;
          const t = performance.now();
          const res = await call(api.url, 'POST', '/v1/executions', {
            headers: { authorization: `Bearer ${key}` },
            body: { project_id: 'p-cost' },
          });
          latencies.push(performance.now() - t);
          if (res.status !== 202) refused++;
        }
      }),
    );
    const seconds = (Date.now() - began) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      label,
      starts: STARTS,
      refused,
      per_second: Math.round(STARTS / seconds),
      p50_ms: Number(percentile(latencies, 50).toFixed(1)),
      p95_ms: Number(percentile(latencies, 95).toFixed(1)),
    };
  } finally {
    await stop(api, 'SIGKILL');
    await drop(env);
  }
}

const results = {
  drain: PARTS.includes('drain') ? await drainBench() : null,
  start_cost: [],
};
if (PARTS.includes('start')) {
  results.start_cost.push(
    await startCost('limits and fair share off', {
      RATE_LIMIT_START_PER_MINUTE: '0',
      MAX_ACTIVE_EXECUTIONS_PER_USER: '0',
      FAIR_SHARE: 'false',
    }),
  );
  results.start_cost.push(
    await startCost('limits off', {
      RATE_LIMIT_START_PER_MINUTE: '0',
      MAX_ACTIVE_EXECUTIONS_PER_USER: '0',
    }),
  );
  results.start_cost.push(
    await startCost('rate limit + cap on', {
      RATE_LIMIT_START_PER_MINUTE: '1000000',
      MAX_ACTIVE_EXECUTIONS_PER_USER: '1000000',
    }),
  );
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

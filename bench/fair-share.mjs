// npm run bench:fair — how long one user's run waits behind another user's backlog.
// Needs MariaDB and Redis (as for the tests) and a build (the npm script builds first).
//
// Each trial starts a fresh service (one process, api and worker, in-process simulator) on an
// isolated database and Redis prefix. User A starts BENCH_BACKLOG long runs (each lasts
// BENCH_LONG_MS); once they fill the worker (BENCH_WORKER_CONCURRENCY slots, the default 100),
// user B starts one instant run. B's wait is its queue time: start_time
// minus created_at; and how many of A's runs began running after B was queued and before B
// did (A's runs that overtook it). Trials alternate FAIR_SHARE=false (the previous behaviour: oldest first
// within a priority, the baseline measured in the same run) and FAIR_SHARE=true; figures are
// medians over BENCH_RUNS trials of each.
import { createConnection } from 'mysql2/promise';
import {
  dropIsolated,
  freePort,
  isolatedEnv,
  median,
  pool,
  request,
  start,
  waitHealthy,
} from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 210);
const LONG_MS = Number(process.env.BENCH_LONG_MS ?? 20_000);
const WORKER_CONCURRENCY = process.env.BENCH_WORKER_CONCURRENCY ?? '100';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function seedUser(url, user, projectId) {
  const headers = { 'x-user-id': user };
  await request(`${url}/v1/workflows/upsert`, {
    method: 'POST',
    headers,
    body: { project_id: projectId, name: projectId },
  });
  const created = await request(`${url}/v1/api-keys`, {
    method: 'POST',
    headers,
    body: { name: 'bench' },
  });
  return { authorization: `Bearer ${created.data.api_key}` };
}

/** A's runs that began running after B's run was queued and before it began. */
async function overtaking(conn, db, id) {
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS n FROM \`${db}\`.executions a JOIN \`${db}\`.executions b ON b.id = ?
      WHERE a.user_id = 'bench-a' AND a.start_time > b.created_at AND a.start_time < b.start_time`,
    [id],
  );
  return Number(rows[0].n);
}

async function runningOf(conn, db, user) {
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS n FROM \`${db}\`.executions WHERE user_id = ? AND status = 'RUNNING'`,
    [user],
  );
  return Number(rows[0].n);
}

async function trial(conn, fairShare) {
  const env = isolatedEnv({
    ROBOT_MODE: 'simulator',
    SIM_DELAY_MS: '0',
    EXECUTION_CONCURRENCY: WORKER_CONCURRENCY,
    ROBOT_POLL_MIN_MS: '200',
    ROBOT_POLL_MAX_MS: '1000',
    FAIR_SHARE: String(fairShare),
    DB_POOL_SIZE: '10',
  });
  const app = start('app', 'dist/apps/api/main.js', env, await freePort());
  try {
    await waitHealthy(app);
    const a = await seedUser(app.url, 'bench-a', 'p-a');
    const b = await seedUser(app.url, 'bench-b', 'p-b');
    const long = { __sim: { delay_ms: LONG_MS } };
    await pool(BACKLOG, 16, () =>
      request(`${app.url}/v1/executions`, {
        method: 'POST',
        headers: a,
        body: { project_id: 'p-a', params: long },
      }),
    );
    // "The worker is full": B comes once A's runs hold every slot (or all of them run).
    const db = env.DATABASE_URL.split('/').pop();
    const full = Math.min(BACKLOG, Number(WORKER_CONCURRENCY));
    const fillBy = Date.now() + LONG_MS / 2;
    while ((await runningOf(conn, db, 'bench-a')) < full && Date.now() < fillBy) await sleep(100);
    const started = await request(`${app.url}/v1/executions`, {
      method: 'POST',
      headers: b,
      body: { project_id: 'p-b', params: { __sim: { delay_ms: 0 } } },
    });
    const id = started.data.execution.id;
    for (;;) {
      const { data } = await request(`${app.url}/v1/executions/${id}`, { headers: b });
      const run = data.execution;
      if (run.start_time) {
        return {
          waitMs: Date.parse(run.start_time) - Date.parse(run.created_at),
          overtaken: await overtaking(conn, db, id),
        };
      }
      await sleep(100);
    }
  } catch (err) {
    // The shared database server may run out of connections under other load: say so.
    throw new Error(`${err.message}\n--- service output ---\n${app.output().slice(-3000)}`);
  } finally {
    await app.stop();
    await dropIsolated(env);
  }
}

/** A trial that failed for the machine's sake (see the output) is run again, once. */
async function trialWithRetry(conn, fairShare) {
  try {
    return await trial(conn, fairShare);
  } catch (err) {
    console.error(`trial failed, running it again: ${err.message}`);
    return trial(conn, fairShare);
  }
}

const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
const waits = { false: [], true: [] };
const overtaken = { false: [], true: [] };
for (let i = 0; i < RUNS; i++) {
  for (const fairShare of [false, true]) {
    const result = await trialWithRetry(conn, fairShare);
    waits[fairShare].push(result.waitMs);
    overtaken[fairShare].push(result.overtaken);
    console.log(
      `trial ${i + 1} FAIR_SHARE=${fairShare}: B waited ${(result.waitMs / 1000).toFixed(1)} s, ` +
        `overtaken by ${result.overtaken} runs of A`,
    );
  }
}
await conn.end();
const before = median(waits.false);
const after = median(waits.true);
console.log(
  JSON.stringify(
    {
      backlog: BACKLOG,
      long_run_ms: LONG_MS,
      worker_concurrency: Number(WORKER_CONCURRENCY),
      runs: RUNS,
      b_wait_ms_median: { fair_share_off: before, fair_share_on: after },
      b_wait_ms_all: { fair_share_off: waits.false, fair_share_on: waits.true },
      b_overtaken_median: {
        fair_share_off: median(overtaken.false),
        fair_share_on: median(overtaken.true),
      },
      ratio_off_to_on: Number((before / Math.max(after, 1)).toFixed(1)),
    },
    null,
    2,
  ),
);

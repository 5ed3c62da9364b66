// npm run bench:webhooks — delivery latency: run ended (execution.end_time) → receiver got it.
// Needs MariaDB and Redis (as for the tests) and a build (npm run build).
// Sequential runs give the latency of one delivery on an idle service; a burst shows it under
// load. Both a webhook (execution.completed) and the run's callback_url are measured.
import { createServer } from 'node:http';
import { createConnection } from 'mysql2/promise';
import {
  dropIsolated,
  isolatedEnv,
  json,
  median,
  percentile,
  pool,
  seed,
  start,
  waitHealthy,
} from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const TOPOLOGY = process.env.BENCH_TOPOLOGY ?? 'split'; // split: api + worker processes; all: one process

function receiver() {
  const got = new Map(); // `${kind}:${executionId}` → latency ms
  const waiters = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(200).end();
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const execution = body.data.execution;
      const key = `${req.url.startsWith('/callback') ? 'callback' : 'webhook'}:${execution.id}`;
      got.set(key, at - Date.parse(execution.end_time));
      waiters.get(key)?.();
    });
  });
  return {
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port))),
    wait: (key, timeoutMs = 30000) =>
      got.has(key)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no delivery for ${key}`)), timeoutMs);
            waiters.set(key, () => (clearTimeout(t), resolve()));
          }),
    got,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

/** Per run: ms from the run's end_time to the creation of its webhook delivery row. */
async function queuedMs(env, ids) {
  const conn = await createConnection({
    host: '127.0.0.1',
    user: 'root',
    database: env.DATABASE_URL.split('/').pop(),
  });
  try {
    const [rows] = await conn.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, e.end_time, d.created_at) / 1000 AS ms
         FROM webhook_deliveries d JOIN executions e ON e.id = d.execution_id
        WHERE d.webhook_id IS NOT NULL AND e.id IN (?)`,
      [ids],
    );
    return rows.map((r) => Number(r.ms));
  } finally {
    await conn.end();
  }
}

const stats = (values) => ({
  n: values.length,
  median_ms: median(values),
  p95_ms: percentile(values, 95),
  max_ms: Math.max(...values),
});

async function main() {
  const env = isolatedEnv({
    ROBOT_MODE: 'simulator',
    SIM_DELAY_MS: '20',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DB_POOL_SIZE: '30',
  });
  const base = 18400;
  const procs = [];
  const hooks = receiver();
  const port = await hooks.listen();
  try {
    const api = start(
      'api',
      'dist/apps/api/main.js',
      { ...env, APP_ROLE: TOPOLOGY === 'all' ? 'all' : 'api' },
      base,
    );
    procs.push(api);
    await waitHealthy(api);
    if (TOPOLOGY !== 'all') {
      const worker = start(
        'worker',
        'dist/apps/api/main.js',
        { ...env, APP_ROLE: 'worker' },
        base + 1,
      );
      procs.push(worker);
      await waitHealthy(worker);
    }
    const key = await seed(api.url);
    const user = { 'x-user-id': 'bench-user', 'content-type': 'application/json' };
    await json(
      await fetch(`${api.url}/v1/webhooks`, {
        method: 'POST',
        headers: user,
        body: JSON.stringify({
          url: `http://127.0.0.1:${port}/hook`,
          events: ['execution.completed'],
        }),
      }),
    );
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const run = async () => {
      const body = JSON.stringify({ callback_url: `http://127.0.0.1:${port}/callback` });
      const { data } = await json(
        await fetch(`${api.url}/v1/workflows/bench/execute-async`, { method: 'POST', headers, body }),
      );
      await Promise.all([
        hooks.wait(`webhook:${data.executionId}`),
        hooks.wait(`callback:${data.executionId}`),
      ]);
      return data.executionId;
    };

    for (let i = 0; i < 5; i++) await run(); // warm-up
    hooks.got.clear();
    const sequential = [];
    for (let i = 0; i < RUNS; i++) sequential.push(await run());
    const pick = (ids, kind) => ids.map((id) => hooks.got.get(`${kind}:${id}`));
    const result = {
      topology: TOPOLOGY,
      sequential: {
        webhook: stats(pick(sequential, 'webhook')),
        callback: stats(pick(sequential, 'callback')),
        // Where the time goes: run ended → delivery row written (event seen, job queued).
        queued: stats(await queuedMs(env, sequential)),
      },
    };

    const burst = [];
    await pool(BURST, 50, async () => burst.push(await run()));
    result.burst = {
      runs: BURST,
      webhook: stats(pick(burst, 'webhook')),
      callback: stats(pick(burst, 'callback')),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await hooks.close();
    for (const p of procs.reverse()) await p.stop();
    await dropIsolated(env);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

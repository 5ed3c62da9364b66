// node bench/mcp.mjs (after npm run build) — MCP /mcp cost per request: tools/list with many
// workflows, and tools/call end to end with an instant in-process robot. Needs MariaDB and Redis.
import {
  dropIsolated,
  isolatedEnv,
  json,
  median,
  percentile,
  pool,
  start,
  waitHealthy,
} from './lib.mjs';

const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 50);
const LISTS = Number(process.env.BENCH_LISTS ?? 1000);
const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PORT = Number(process.env.BENCH_PORT ?? 18200);

async function rpc(url, key, body) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
  });
  const text = await res.text();
  const last = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .pop();
  const message = JSON.parse(last.slice(6));
  if (message.error || message.result?.isError) throw new Error(JSON.stringify(message));
  return message.result;
}

async function measure(n, task) {
  const times = [];
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const t = performance.now();
    await task(i);
    times.push(performance.now() - t);
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    n,
    per_second: Math.round(n / seconds),
    p50_ms: +median(times).toFixed(1),
    p95_ms: +percentile(times, 95).toFixed(1),
  };
}

const env = isolatedEnv({ ROBOT_MODE: 'simulator', SIM_DELAY_MS: '0', ROBOT_POLL_MIN_MS: '5' });
const api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'all' }, PORT);
try {
  await waitHealthy(api);
  const user = { 'x-user-id': 'bench-user', 'content-type': 'application/json' };
  const post = async (path, body) =>
    json(
      await fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: user,
        body: JSON.stringify(body),
      }),
    );
  const key = (await post('/v1/api-keys', { name: 'bench' })).data.api_key;
  for (let i = 0; i < WORKFLOWS; i++) {
    await post('/v1/workflows/upsert', {
      project_id: `w${i}`,
      name: `Workflow ${i}`,
      parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    });
  }
  const listed = await rpc(api.url, key, { method: 'tools/list' });
  if (listed.tools.length !== WORKFLOWS + 1) throw new Error(`listed ${listed.tools.length} tools`);
  const list = await measure(LISTS, () => rpc(api.url, key, { method: 'tools/list' }));
  const call = await measure(CALLS, (i) =>
    rpc(api.url, key, {
      method: 'tools/call',
      params: { name: `Workflow_${i % WORKFLOWS}`, arguments: { n: i } },
    }),
  );
  console.log(
    JSON.stringify({ workflows: WORKFLOWS, concurrency: CONCURRENCY, list, call }, null, 2),
  );
} finally {
  await api.stop();
  await dropIsolated(env);
}

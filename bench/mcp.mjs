// node bench/mcp.mjs (after npm run build) — MCP /mcp cost per request: tools/list with many
// workflows, and tools/call end to end with an instant in-process robot; then the control
// tools: astron_workflow_execute → snapshot latency at a fixed rate (REST POST /executions at
// the same rate as the baseline), astron_workflow_list pages over many workflows, and the
// answer size of a JSON-RPC batch of tools/list. Needs MariaDB and Redis.
import { loadavg } from 'node:os';
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
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const LIST_WORKFLOWS = Number(process.env.BENCH_LIST_WORKFLOWS ?? 500);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const PAGE_LIMITS = [20, 100];
/** A realistic, larger-than-usual input schema (~2 KB), so sizes show what pages bound. */
const WIDE_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    Array.from({ length: 24 }, (_, i) => [
      `field_${i}`,
      { type: 'string', maxLength: 200, description: `Input field number ${i} of the form` },
    ]),
  ),
  required: ['field_0'],
};

async function postMcp(url, key, payload) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-03-26',
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, text: await res.text() };
}

async function rpc(url, key, body) {
  const { text } = await postMcp(url, key, { jsonrpc: '2.0', id: 1, ...body });
  const last = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .pop();
  const message = JSON.parse(last.slice(6));
  if (message.error || message.result?.isError) throw new Error(JSON.stringify(message));
  return { ...message.result, bytes: Buffer.byteLength(last.slice(6)) };
}

/** Starts `task` RATE times a second for RATE_SECONDS (open loop); latency percentiles. */
async function atRate(task) {
  const n = RATE * RATE_SECONDS;
  const times = [];
  const t0 = performance.now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      (async () => {
        const t = performance.now();
        await task(i);
        times.push(performance.now() - t);
      })(),
    );
  }
  await Promise.all(inflight);
  return {
    n,
    p50_ms: +median(times).toFixed(1),
    p95_ms: +percentile(times, 95).toFixed(1),
    p99_ms: +percentile(times, 99).toFixed(1),
  };
}

const medianOf = (runs, field) => +median(runs.map((r) => r[field])).toFixed(1);

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
  // Six control tools, the workflows, get_execution (one page up to 100 tools).
  if (listed.tools.length !== Math.min(100, WORKFLOWS + 7))
    throw new Error(`listed ${listed.tools.length} tools`);
  const list = await measure(LISTS, () => rpc(api.url, key, { method: 'tools/list' }));
  const call = await measure(CALLS, (i) =>
    rpc(api.url, key, {
      method: 'tools/call',
      params: { name: `Workflow_${i % WORKFLOWS}`, arguments: { n: i } },
    }),
  );

  // Control tools: start → snapshot at a fixed rate, REST start at the same rate as baseline.
  const execute = [];
  const rest = [];
  for (let run = 0; run < RUNS; run++) {
    rest.push(
      await atRate(async (i) =>
        json(
          await fetch(`${api.url}/v1/executions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ project_id: `w${i % WORKFLOWS}`, params: { n: i } }),
          }),
        ),
      ),
    );
    execute.push(
      await atRate((i) =>
        rpc(api.url, key, {
          method: 'tools/call',
          params: {
            name: 'astron_workflow_execute',
            arguments: {
              projectId: `w${i % WORKFLOWS}`,
              params: { n: i },
              idempotencyKey: `bench-${run}-${i}`,
            },
          },
        }),
      ),
    );
  }

  // One at a time: the cost of one answer, less sensitive to a contended machine than a rate.
  const sequential = async (task) => {
    const times = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t = performance.now();
      await task(i);
      times.push(performance.now() - t);
    }
    return { p50_ms: +median(times).toFixed(1), p99_ms: +percentile(times, 99).toFixed(1) };
  };
  const oneRest = await sequential(async (i) =>
    json(
      await fetch(`${api.url}/v1/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: `w${i % WORKFLOWS}`, params: { n: i } }),
      }),
    ),
  );
  const oneExecute = await sequential((i) =>
    rpc(api.url, key, {
      method: 'tools/call',
      params: {
        name: 'astron_workflow_execute',
        arguments: { projectId: `w${i % WORKFLOWS}`, params: { n: i }, idempotencyKey: `one-${i}` },
      },
    }),
  );

  // A second user with many workflows with wide schemas: pages of workflow_list and tools/list.
  const many = { 'x-user-id': 'bench-many', 'content-type': 'application/json' };
  const manyKey = (
    await json(
      await fetch(`${api.url}/v1/api-keys`, {
        method: 'POST',
        headers: many,
        body: JSON.stringify({ name: 'bench' }),
      }),
    )
  ).data.api_key;
  await pool(LIST_WORKFLOWS, 8, async (i) =>
    json(
      await fetch(`${api.url}/v1/workflows/upsert`, {
        method: 'POST',
        headers: many,
        body: JSON.stringify({
          project_id: `m${i}`,
          name: `Many ${i}`,
          description: 'A workflow with a wide input form, for listing benchmarks',
          parameters: WIDE_SCHEMA,
        }),
      }),
    ),
  );
  const pages = {};
  for (const limit of PAGE_LIMITS) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const times = [];
      const sizes = [];
      let offset = 0;
      let count = 0;
      while (offset !== null) {
        const t = performance.now();
        const page = await rpc(api.url, manyKey, {
          method: 'tools/call',
          params: { name: 'astron_workflow_list', arguments: { offset, limit } },
        });
        times.push(performance.now() - t);
        sizes.push(page.bytes);
        count += page.structuredContent.workflows.length;
        offset = page.structuredContent.nextOffset;
      }
      if (count !== LIST_WORKFLOWS) throw new Error(`listed ${count} workflows`);
      runs.push({
        pages: times.length,
        page_ms_p50: median(times),
        page_ms_max: Math.max(...times),
        page_bytes_max: Math.max(...sizes),
      });
    }
    pages[`limit_${limit}`] = {
      pages: runs[0].pages,
      page_ms_p50: medianOf(runs, 'page_ms_p50'),
      page_ms_max: medianOf(runs, 'page_ms_max'),
      page_bytes_max: runs[0].page_bytes_max,
    };
  }
  const toolPages = [];
  let cursor;
  do {
    const t = performance.now();
    const page = await rpc(api.url, manyKey, {
      method: 'tools/list',
      params: cursor === undefined ? {} : { cursor },
    });
    toolPages.push({ ms: performance.now() - t, bytes: page.bytes, tools: page.tools.length });
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const batchBody = Array.from({ length: 10 }, (_, i) => ({
    jsonrpc: '2.0',
    id: i + 1,
    method: 'tools/list',
    params: {},
  }));
  const batch = await postMcp(api.url, manyKey, batchBody);
  const tooBig = await postMcp(api.url, manyKey, [...batchBody, { ...batchBody[0], id: 11 }]);

  console.log(
    JSON.stringify(
      {
        load_1m_at_end: +loadavg()[0].toFixed(1),
        workflows: WORKFLOWS,
        concurrency: CONCURRENCY,
        list,
        call,
        control: {
          rate_per_second: RATE,
          seconds: RATE_SECONDS,
          runs: RUNS,
          execute_snapshot: {
            p50_ms: medianOf(execute, 'p50_ms'),
            p95_ms: medianOf(execute, 'p95_ms'),
            p99_ms: medianOf(execute, 'p99_ms'),
          },
          rest_start_baseline: {
            p50_ms: medianOf(rest, 'p50_ms'),
            p95_ms: medianOf(rest, 'p95_ms'),
            p99_ms: medianOf(rest, 'p99_ms'),
          },
          p99_ratio_to_rest: +(medianOf(execute, 'p99_ms') / medianOf(rest, 'p99_ms')).toFixed(2),
          one_at_a_time: { execute_snapshot: oneExecute, rest_start_baseline: oneRest },
        },
        workflow_list: { workflows: LIST_WORKFLOWS, ...pages },
        tools_list: {
          tools: toolPages.reduce((n, p) => n + p.tools, 0),
          pages: toolPages.length,
          page_ms_p50: +median(toolPages.map((p) => p.ms)).toFixed(1),
          page_bytes_max: Math.max(...toolPages.map((p) => p.bytes)),
        },
        batch_of_10_tools_list: {
          request_bytes: Buffer.byteLength(JSON.stringify(batchBody)),
          answer_bytes: Buffer.byteLength(batch.text),
          // What the same batch asked for before tools/list had pages: ten whole lists.
          unpaged_answer_bytes: 10 * toolPages.reduce((n, p) => n + p.bytes, 0),
          status: batch.status,
          batch_of_11_status: tooBig.status,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await api.stop();
  await dropIsolated(env);
}

// node bench/hostile-sweep.mjs — fires the hostile requests of the security review at one
// instance on loopback and prints how many were tried, refused (4xx), answered 5xx, and how
// many got an unsafe answer (another user's data, a stall). Needs MariaDB, Redis and
// `npm run build`; it starts its own instance unless SWEEP_URL names one (which must trust
// X-User-Id, i.e. AUTH_TRUST_USER_HEADER=true, and keep WEBHOOK_ALLOW_PRIVATE off).
// While the schema probes run, /health is polled every 20 ms: its slowest answer is the
// event-loop figure (the goal is < 100 ms), and an unrelated run must complete.
// Settings: SWEEP_URL, SWEEP_ADMIN_TOKEN, SWEEP_ROUNDS (3), SWEEP_DEADLINE_MS (180000).
import { Worker } from 'node:worker_threads';
import { dropIsolated, isolatedEnv, launch, median, percentile } from './lib.mjs';

/**
 * Polls /health every 20 ms from a thread of its own, so that building the large hostile
 * bodies here does not count as the server's delay.
 */
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
const times = [];
parentPort.on('message', () => { running = false; });
(async () => {
  while (running) {
    const t = performance.now();
    const at = Date.now();
    try { await (await fetch(workerData.url, { signal: AbortSignal.timeout(10000) })).text(); }
    catch { /* counted as slow */ }
    times.push([at, performance.now() - t]);
    await new Promise((r) => setTimeout(r, 20));
  }
  parentPort.postMessage(times);
})();
`;

const ROUNDS = Number(process.env.SWEEP_ROUNDS ?? 3);
const DEADLINE_MS = Number(process.env.SWEEP_DEADLINE_MS ?? 180_000);
const ADMIN_TOKEN = process.env.SWEEP_ADMIN_TOKEN ?? 'sweep-admin-token-0123456789';
const began = Date.now();

async function call(
  base,
  method,
  path,
  { headers = {}, body, raw, timeoutMs = 30_000, redirect = 'follow' } = {},
) {
  const t = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(base + path, {
      method,
      headers:
        raw === undefined && body !== undefined
          ? { 'content-type': 'application/json', ...headers }
          : headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: controller.signal,
      redirect,
    });
    const text = res.headers.get('content-type')?.includes('event-stream')
      ? (controller.abort(), '')
      : await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json, headers: res.headers, ms: performance.now() - t };
  } catch (err) {
    return { status: 0, body: null, error: String(err), ms: performance.now() - t };
  } finally {
    clearTimeout(timer);
  }
}

async function setup(base) {
  const as = (user) => ({ 'x-user-id': user });
  const key = async (user) =>
    (await call(base, 'POST', '/v1/api-keys', { headers: as(user), body: { name: 'sweep' } })).body
      .data;
  const lower = await key('alice');
  const upper = await key('ALICE');
  const victim = await key('victim');
  for (const [user, project, parameters] of [
    ['alice', 'Shared', undefined],
    ['victim', 'victim-wf', undefined],
    [
      'ALICE',
      'redos',
      {
        type: 'object',
        properties: {
          s: { type: 'string', pattern: '^(a+)+$' },
          list: { type: 'array', uniqueItems: true },
        },
      },
    ],
  ]) {
    await call(base, 'POST', '/v1/workflows/upsert', {
      headers: as(user),
      body: { project_id: project, name: project, parameters },
    });
  }
  const run = await call(base, 'POST', '/v1/executions', {
    headers: { authorization: `Bearer ${lower.api_key}`, 'idempotency-key': 'same' },
    body: { project_id: 'Shared' },
  });
  const board = await call(base, 'GET', `/admin/queues?token=${ADMIN_TOKEN}`, {
    redirect: 'manual',
  });
  const cookie = (board.headers?.get('set-cookie') ?? '').split(';')[0];
  return { lower, upper, victim, run: run.body.data.execution.id, cookie };
}

/** [name, request, safe(answer)]: each runs once per round. */
function probes(s) {
  const bearer = (k) => ({ authorization: `Bearer ${k.api_key}` });
  const UP = bearer(s.upper);
  const deep = `{"project_id":"redos","params":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
  const is = (status) => (r) => r.status === status;
  const refused = (r) => r.status >= 400 && r.status < 500;
  return [
    // 1. exact identities
    [
      'ALICE lists alice workflows',
      ['GET', '/v1/workflows', { headers: UP }],
      (r) => r.status === 200 && r.body.data.records.every((w) => w.project_id !== 'Shared'),
    ],
    ['ALICE reads alice execution', ['GET', `/v1/executions/${s.run}`, { headers: UP }], is(404)],
    ['ALICE deletes alice workflow', ['DELETE', '/v1/workflows/Shared', { headers: UP }], is(404)],
    [
      'ALICE overwrites alice workflow',
      [
        'POST',
        '/v1/workflows/upsert',
        { headers: { 'x-user-id': 'ALICE' }, body: { project_id: 'Shared', name: 'x' } },
      ],
      is(409),
    ],
    [
      'ALICE revokes alice key',
      ['DELETE', `/v1/api-keys/${s.lower.id}`, { headers: { 'x-user-id': 'ALICE' } }],
      is(404),
    ],
    [
      'ALICE replays alice Idempotency-Key',
      [
        'POST',
        '/v1/executions',
        { headers: { ...UP, 'idempotency-key': 'same' }, body: { project_id: 'Shared' } },
      ],
      (r) => r.status === 404 || (r.status < 300 && r.body.data.execution.id !== s.run),
    ],
    // 2. hostile schemas and params
    [
      '$ref # at upsert',
      [
        'POST',
        '/v1/workflows/upsert',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: { project_id: 'ref', name: 'r', parameters: { type: 'object', $ref: '#' } },
        },
      ],
      is(400),
    ],
    [
      '15,000-property schema',
      [
        'POST',
        '/v1/workflows/upsert',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: {
            project_id: 'wide',
            name: 'w',
            parameters: {
              type: 'object',
              properties: Object.fromEntries(
                Array.from({ length: 15_000 }, (_, i) => [`p${i}`, { type: 'string' }]),
              ),
            },
          },
        },
      ],
      is(400),
    ],
    [
      '^(a+)+$ with 31 a and !',
      [
        'POST',
        '/v1/executions',
        { headers: UP, body: { project_id: 'redos', params: { s: `${'a'.repeat(31)}!` } } },
      ],
      is(400),
    ],
    [
      '^(a+)+$ with 200,000 a and !',
      [
        'POST',
        '/v1/executions',
        { headers: UP, body: { project_id: 'redos', params: { s: `${'a'.repeat(200_000)}!` } } },
      ],
      is(400),
    ],
    [
      'uniqueItems over 4,000 objects',
      [
        'POST',
        '/v1/executions',
        {
          headers: UP,
          body: {
            project_id: 'redos',
            params: { list: Array.from({ length: 4000 }, (_, i) => ({ a: i % 3 ? [i] : i })) },
          },
        },
      ],
      refused,
    ],
    [
      '90,000 param keys',
      [
        'POST',
        '/v1/executions',
        {
          headers: UP,
          body: {
            project_id: 'redos',
            params: Object.fromEntries(Array.from({ length: 90_000 }, (_, i) => [`k${i}`, 1])),
          },
        },
      ],
      is(400),
    ],
    [
      'schedule with ^(a+)+$ params',
      [
        'POST',
        '/v1/workflows/redos/schedules',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: { cron: '0 0 1 1 *', params: { s: `${'a'.repeat(31)}!` } },
        },
      ],
      is(400),
    ],
    [
      'MCP tools/call with ^(a+)+$ params',
      [
        'POST',
        `/mcp`,
        {
          headers: { ...UP, accept: 'application/json, text/event-stream' },
          body: {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'redos', arguments: { s: `${'a'.repeat(31)}!` } },
          },
        },
      ],
      (r) => r.status > 0 && r.status < 500,
    ],
    // 7. percent-encoded credential names
    ['?%6bey= on a REST route', ['GET', `/v1/workflows?%6bey=${s.upper.api_key}`, {}], is(401)],
    ['?%74oken= on Bull Board', ['GET', `/admin/queues?%74oken=${s.upper.api_key}`, {}], refused],
    // 8. form bodies from a foreign page
    [
      'urlencoded start from evil Origin',
      [
        'POST',
        '/v1/executions',
        {
          headers: {
            ...UP,
            origin: 'https://evil.example',
            'content-type': 'application/x-www-form-urlencoded',
          },
          raw: 'project_id=Shared',
        },
      ],
      is(415),
    ],
    [
      'text/plain start from evil Origin',
      [
        'POST',
        '/v1/executions',
        {
          headers: { ...UP, origin: 'https://evil.example', 'content-type': 'text/plain' },
          raw: '{"project_id":"Shared"}',
        },
      ],
      is(415),
    ],
    [
      'legacy form execute',
      [
        'POST',
        '/workflows/execute-async',
        {
          headers: { ...UP, 'content-type': 'application/x-www-form-urlencoded' },
          raw: 'project_id=Shared',
        },
      ],
      is(415),
    ],
    // 9. __sim asks for a million log lines (bounded to 1000)
    [
      '__sim log_lines 1000000',
      [
        'POST',
        '/v1/executions',
        {
          headers: bearer(s.victim),
          body: { project_id: 'victim-wf', params: { __sim: { log_lines: 1_000_000 } } },
        },
      ],
      (r) => r.status === 202,
    ],
    // 10. input bounds
    [
      '10,000-level JSON',
      [
        'POST',
        '/v1/executions',
        { headers: { ...UP, 'content-type': 'application/json' }, raw: deep },
      ],
      is(400),
    ],
    ['pageNo=1e300', ['GET', '/v1/executions?pageNo=1e300', { headers: UP }], is(400)],
    [
      'expires_at in 275760',
      [
        'POST',
        '/v1/api-keys',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: { name: 'far', expires_at: '+275760-09-13T00:00:00.000Z' },
        },
      ],
      is(400),
    ],
    [
      'Last-Event-ID beyond 64 bits',
      [
        'GET',
        `/v1/executions/${s.run}/events`,
        {
          headers: {
            authorization: `Bearer ${s.lower.api_key}`,
            'last-event-id': '99999999999999999999-99999999999999999999',
          },
        },
      ],
      (r) => r.status === 200,
    ],
    [
      'Bull Board change from Origin: null',
      ['PUT', '/admin/queues/api/queues/pause', { headers: { cookie: s.cookie, origin: 'null' } }],
      is(403),
    ],
    // 11. SSRF forms of loopback
    [
      'webhook to [::ffff:0:7f00:1]',
      [
        'POST',
        '/v1/webhooks',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: { url: 'http://[::ffff:0:7f00:1]:8020/', events: ['execution.completed'] },
        },
      ],
      is(400),
    ],
    [
      'webhook to [::ffff:0:127.0.0.1]',
      [
        'POST',
        '/v1/webhooks',
        {
          headers: { 'x-user-id': 'ALICE' },
          body: { url: 'http://[::ffff:0:127.0.0.1]/', events: ['execution.completed'] },
        },
      ],
      is(400),
    ],
  ];
}

const figures = (ms) => ({
  median: Math.round(median(ms)),
  p99: Math.round(percentile(ms, 99)),
  max: Math.round(Math.max(...ms)),
});

async function main() {
  let env;
  let proc;
  let base = process.env.SWEEP_URL;
  if (!base) {
    env = isolatedEnv({
      ROBOT_MODE: 'simulator',
      SIM_DELAY_MS: '3000',
      JOB_LOCK_MS: '1000',
      JOB_STALLED_INTERVAL_MS: '500',
      ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE: 'false',
    });
    proc = await launch('api', 'dist/apps/api/main.js', env);
    base = proc.url;
  }
  const counts = { tried: 0, refused: 0, '5xx': 0, unsafe: 0 };
  const unsafe = [];
  let health = [];
  let baseline = [];
  let samples = [];
  const spans = [];
  let secrets = [];
  try {
    const s = await setup(base);
    secrets = [s.lower.api_key, s.upper.api_key, s.victim.api_key];
    const victimRun = await call(base, 'POST', '/v1/executions', {
      headers: { authorization: `Bearer ${s.victim.api_key}` },
      body: { project_id: 'victim-wf' },
    });
    const probe = () => {
      const worker = new Worker(PROBER, { eval: true, workerData: { url: `${base}/health` } });
      const done = new Promise((resolve) => worker.once('message', resolve));
      return async () => {
        worker.postMessage('stop');
        const times = await done;
        await worker.terminate();
        return times;
      };
    };
    // Baseline: /health while as many benign requests go by, on this machine, right now.
    const stopBaseline = probe();
    for (let i = 0; i < probes(s).length * ROUNDS; i++) {
      await call(base, 'GET', '/v1/workflows', {
        headers: { authorization: `Bearer ${s.victim.api_key}` },
      });
    }
    baseline = (await stopBaseline()).map(([, ms]) => ms);
    const stopProber = probe();
    for (let round = 0; round < ROUNDS && Date.now() - began < DEADLINE_MS; round++) {
      for (const [name, [method, path, options], safe] of probes(s)) {
        if (Date.now() - began > DEADLINE_MS) break;
        const from = Date.now();
        const answer = await call(base, method, path, options);
        spans.push([name, from, Date.now()]);
        counts.tried++;
        if (answer.status >= 400 && answer.status < 500) counts.refused++;
        if (answer.status >= 500 || answer.status === 0) counts['5xx']++;
        if (!safe(answer)) {
          counts.unsafe++;
          unsafe.push(`${name}: ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`);
        }
      }
    }
    samples = await stopProber();
    health = samples.map(([, ms]) => ms);
    // Which probe was in flight when /health was slowest.
    const [slowAt, slowMs] = samples.reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0]);
    const during = spans
      .filter(([, from, to]) => from <= slowAt + slowMs && to >= slowAt)
      .map(([name]) => name);
    counts.slowest_health_during = [...new Set(during)];
    const id = victimRun.body.data.execution.id;
    let status = 'PENDING';
    for (
      let i = 0;
      i < 120 && !['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(status);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
      const res = await call(base, 'GET', `/v1/executions/${id}`, {
        headers: { authorization: `Bearer ${s.victim.api_key}` },
      });
      status = res.body?.data?.execution?.status ?? status;
    }
    const leaked = proc ? secrets.filter((k) => proc.output().includes(k)).length : null;
    console.log(
      JSON.stringify(
        {
          ...counts,
          unsafe_answers: unsafe,
          health_probes: health.length,
          health_ms: figures(health),
          baseline_health_probes: baseline.length,
          baseline_health_ms: figures(baseline),
          unrelated_run: status,
          keys_in_logs: leaked,
          seconds: Math.round((Date.now() - began) / 1000),
        },
        null,
        2,
      ),
    );
  } finally {
    await proc?.stop();
    if (env) await dropIsolated(env);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

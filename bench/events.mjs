// Live events benchmark (issue #4): 1 api + 1 worker process of the built service, N sockets
// subscribed, executions driven through the in-process robot simulator at a target event
// rate. Reports delivery latency (event `ts`, set where the state changed, to receipt by the
// client), connection figures and memory per idle socket.
//
//   npm run bench:events          (builds the api first)
//   BENCH_SOCKETS=1000 BENCH_USERS=100 BENCH_RATE=200 BENCH_SECONDS=20 BENCH_RUNS=3 \
//     node bench/events.mjs
//
// Needs MariaDB and Redis as for the tests (DATABASE_URL host / REDIS_URL may be overridden
// with BENCH_MYSQL_URL / BENCH_REDIS_URL). Uses its own database and Redis prefix and removes
// both at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { freePort, median, percentile } from './lib.mjs';

const require = createRequire(import.meta.url);
const { io } = require('socket.io-client');
const Redis = require('ioredis');
const mysql = require('mysql2/promise');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist/apps/api/main.js');
const PROBE = join(ROOT, 'bench/memory-probe.cjs');

const num = (name, def) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const SOCKETS = num('BENCH_SOCKETS', 1000);
const USERS = Math.min(num('BENCH_USERS', 100), SOCKETS);
const RATE = num('BENCH_RATE', 200);
const SECONDS = num('BENCH_SECONDS', 20);
const RUNS = num('BENCH_RUNS', 3);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 10);
const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
/** One run of the simulated robot: ~1 s with 5 progress steps and 4 log lines. */
const SIM = { delay_ms: 1000, progress_steps: 5, log_lines: 4 };

const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const env = {
  NODE_ENV: 'production',
  DATABASE_URL: `${MYSQL_URL}/rpa_bench_${id}`,
  REDIS_URL,
  REDIS_PREFIX: `rpabench:${id}`,
  LOG_LEVEL: 'warn',
  AUTH_TRUST_USER_HEADER: 'true',
  API_KEY_PEPPER: `bench-pepper-${id}-0123456789`,
  ROBOT_MODE: 'simulator',
  // A steady poll makes the number of events per execution predictable.
  ROBOT_POLL_MIN_MS: '100',
  ROBOT_POLL_MAX_MS: '100',
  EXECUTION_CONCURRENCY: '500',
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

const round = (value, digits = 1) => Number(value.toFixed(digits));

const processes = [];

async function startProcess(role, nodeArgs = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, APP_ROLE: role, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  processes.push(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-10_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${role} exited during start-up:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${role} did not start:\n${output}`);
    await sleep(200);
  }
  return { role, url, child, pid: child.pid, output: () => output };
}

/** CPU time (ms) a process has used so far, from /proc (Linux). */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Share of time some task waited for a CPU over the last 10 s (Linux PSI), in percent. */
function cpuPressure() {
  try {
    return Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

let probeSeq = 0;
function memoryOf(proc) {
  const request = ++probeSeq;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('memory probe timed out')), 10_000);
    const onMessage = (message) => {
      if (message?.type !== 'memory' || message.id !== request) return;
      clearTimeout(timer);
      proc.child.off('message', onMessage);
      resolve(message.usage);
    };
    proc.child.on('message', onMessage);
    proc.child.send({ type: 'memory', id: request });
  });
}

async function call(base, method, path, { key, user, body } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(key ? { Authorization: `Bearer ${key}` } : { 'X-User-Id': user }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.data;
}

async function cleanUp() {
  await Promise.all(
    processes.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  const connection = await mysql.createConnection(MYSQL_URL);
  await connection.query(`DROP DATABASE IF EXISTS \`rpa_bench_${id}\``);
  await connection.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

function connectSocket(base, key) {
  return new Promise((resolve, reject) => {
    const socket = io(`${base}/executions`, {
      path: '/socket.io',
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token: key },
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function main() {
  if (!existsSync(MAIN)) throw new Error('dist/apps/api/main.js is missing: run `npm run build`');
  log(`sockets=${SOCKETS} users=${USERS} target=${RATE} events/s runs=${RUNS}x${SECONDS}s`);

  // The api process creates the schema; the worker then starts against it.
  // BENCH_API_NODE_ARGS adds node options to the api process (e.g. --prof).
  const extraArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const api = await startProcess('api', ['--expose-gc', '-r', PROBE, ...extraArgs]);
  const worker = await startProcess('worker');
  log(`api pid ${api.pid} on ${api.url}, worker pid ${worker.pid}`);

  const users = [];
  for (let u = 0; u < USERS; u++) {
    const user = `bench-user-${u}`;
    const project = `bench-wf-${u}`;
    await call(api.url, 'POST', '/v1/workflows/upsert', {
      user,
      body: { project_id: project, name: project },
    });
    const created = await call(api.url, 'POST', '/v1/api-keys', {
      user,
      body: { name: 'bench', scopes: ['read', 'execute'] },
    });
    users.push({ user, project, key: created.api_key, sockets: [] });
  }

  // Memory per idle socket: the api's memory after GC, measured over the last 90% of the
  // sockets, once the first 10% have warmed up the paths and pools a socket goes through.
  const sockets = [];
  const BATCH = 50;
  const connectRange = async (from, to) => {
    for (let s = from; s < to; s += BATCH) {
      const batch = [];
      for (let i = s; i < Math.min(s + BATCH, to); i++) {
        const owner = users[i % USERS];
        batch.push(
          connectSocket(api.url, owner.key).then(async (socket) => {
            const ack = await socket.timeout(10_000).emitWithAck('subscribe', {
              project_id: owner.project,
            });
            if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
            owner.sockets.push(socket);
            return socket;
          }),
        );
      }
      sockets.push(...(await Promise.all(batch)));
    }
  };
  const warm = Math.max(1, Math.round(SOCKETS / 10));
  const connectStarted = performance.now();
  await connectRange(0, warm);
  await sleep(1000);
  const before = await memoryOf(api);
  const measuredStarted = performance.now();
  await connectRange(warm, SOCKETS);
  const connectMs = performance.now() - connectStarted;
  const connectRate = (SOCKETS - warm) / ((performance.now() - measuredStarted) / 1000);
  await sleep(2000);
  const after = await memoryOf(api);
  const counted = SOCKETS - warm;
  const perSocket = (field) => round((after[field] - before[field]) / counted / 1024);
  const memory = {
    rss_before_mb: round(before.rss / 2 ** 20),
    rss_after_mb: round(after.rss / 2 ** 20),
    rss_per_socket_kb: perSocket('rss'),
    heap_per_socket_kb: perSocket('heapUsed'),
    external_per_socket_kb: perSocket('external'),
  };
  log(
    `${sockets.length} sockets connected and subscribed in ${Math.round(connectMs)} ms ` +
      `(${Math.round(connectRate)}/s); per idle socket: ${memory.rss_per_socket_kb} KB RSS, ` +
      `${memory.heap_per_socket_kb} KB heap`,
  );

  // Delivery: every socket records latency; the first socket of each user counts the events,
  // and the events of each ended execution pace the driver.
  let window = null;
  const perExecution = new Map();
  const recentCounts = [];
  for (const owner of users) {
    owner.sockets.forEach((socket, index) => {
      socket.onAny((type, payload) => {
        const receivedAt = Date.now();
        if (window) window.latencies.push(receivedAt - Date.parse(payload.ts));
        if (index !== 0) return;
        if (window) window.events++;
        const count = (perExecution.get(payload.execution_id) ?? 0) + 1;
        perExecution.set(payload.execution_id, count);
        if (/completed|failed|cancelled$/.test(type)) {
          perExecution.delete(payload.execution_id);
          recentCounts.push(count);
          if (recentCounts.length > 300) recentCounts.shift();
          if (window && type !== 'execution.completed') window.failed++;
        }
      });
    });
  }
  const eventsPerExecution = () =>
    recentCounts.length ? recentCounts.reduce((a, b) => a + b, 0) / recentCounts.length : 11;

  let startErrors = 0;
  let next = 0;
  /** Starts executions at the pace that yields RATE events/s, for `seconds`. */
  const drive = (seconds) =>
    new Promise((resolve) => {
      const started = performance.now();
      let issued = 0;
      let due = 0;
      let last = started;
      const tick = () => {
        const now = performance.now();
        if (now - started >= seconds * 1000) return resolve(issued);
        due += ((now - last) / 1000) * (RATE / eventsPerExecution());
        last = now;
        for (; issued < Math.floor(due); issued++) {
          const owner = users[next++ % USERS];
          call(api.url, 'POST', '/v1/executions', {
            key: owner.key,
            body: { project_id: owner.project, params: { i: next, __sim: SIM } },
          }).catch(() => startErrors++);
        }
        setTimeout(tick, 10);
      };
      tick();
    });

  // Warm-up: learns how many events one execution produces, which paces the runs.
  await drive(WARMUP_SECONDS);
  await sleep(SIM.delay_ms + 1500);
  log(`warm-up: ${round(eventsPerExecution())} events per execution`);

  const runs = [];
  for (let r = 1; r <= RUNS; r++) {
    window = { latencies: [], events: 0, failed: 0 };
    const started = performance.now();
    const cpuBefore = { api: cpuMs(api.pid), worker: cpuMs(worker.pid), bench: process.cpuUsage() };
    const issued = await drive(SECONDS);
    const seconds = (performance.now() - started) / 1000;
    const measured = window;
    const cpuPercent = (used) => round(used / seconds / 10);
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    // Let in-flight executions end; their events still count, their time does not.
    await sleep(SIM.delay_ms + 1500);
    window = null;
    const sorted = Float64Array.from(measured.latencies).sort();
    const run = {
      run: r,
      executions_started: issued,
      events_per_s: round(measured.events / seconds),
      deliveries_per_s: round(sorted.length / seconds),
      deliveries: sorted.length,
      p50_ms: percentile(sorted, 50),
      p90_ms: percentile(sorted, 90),
      p99_ms: percentile(sorted, 99),
      max_ms: sorted.length ? sorted[sorted.length - 1] : NaN,
      failed_runs: measured.failed,
      cpu_percent: {
        api: cpuPercent(cpuMs(api.pid) - cpuBefore.api),
        worker: cpuPercent(cpuMs(worker.pid) - cpuBefore.worker),
        bench_clients: cpuPercent((benchCpu.user + benchCpu.system) / 1000),
      },
      load_avg_1m: round(loadavg()[0], 2),
      cpu_pressure_pct: cpuPressure(),
    };
    runs.push(run);
    log(
      `run ${r}: ${run.events_per_s} events/s (${run.deliveries_per_s} deliveries/s), ` +
        `p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, max ${run.max_ms} ms; ` +
        `CPU api ${run.cpu_percent.api}%, worker ${run.cpu_percent.worker}%, ` +
        `clients ${run.cpu_percent.bench_clients}%; load ${run.load_avg_1m}, ` +
        `CPU pressure ${run.cpu_pressure_pct}%`,
    );
  }

  const stillConnected = sockets.filter((s) => s.connected).length;
  sockets.forEach((s) => s.close());
  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    sockets: SOCKETS,
    users: USERS,
    sockets_per_user: SOCKETS / USERS,
    target_events_per_s: RATE,
    sim: SIM,
    connect_ms: Math.round(connectMs),
    connects_per_s: Math.round(connectRate),
    still_connected: stillConnected,
    start_errors: startErrors,
    memory,
    median: {
      events_per_s: median(runs.map((r) => r.events_per_s)),
      deliveries_per_s: median(runs.map((r) => r.deliveries_per_s)),
      p50_ms: median(runs.map((r) => r.p50_ms)),
      p99_ms: median(runs.map((r) => r.p99_ms)),
    },
    runs,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/events-${summary.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  log(
    `median of ${RUNS} runs: p50 ${summary.median.p50_ms} ms, p99 ${summary.median.p99_ms} ms at ` +
      `${summary.median.events_per_s} events/s; ${memory.rss_per_socket_kb} KB per idle socket ` +
      `(targets: p99 < 100 ms at 200 events/s, < 30 KB per socket); written to ${file}`,
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() =>
    cleanUp().catch((err) => {
      console.error('cleanup failed:', err);
      process.exitCode = 1;
    }),
  );

// Shared helpers for the benchmarks: processes, isolated database/prefix, statistics.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import Redis from 'ioredis';

export const ROOT = new URL('..', import.meta.url).pathname;

export function isolatedEnv(extra = {}) {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return {
    NODE_ENV: 'production',
    DATABASE_URL: `mysql://root@127.0.0.1:3306/rpa_bench_${id}`,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `rpabench:${id}`,
    LOG_LEVEL: 'warn',
    AUTH_TRUST_USER_HEADER: 'true',
    API_KEY_PEPPER: `bench-pepper-${id}-0123456789`,
    WEBHOOK_SECRET_KEY: `bench-webhook-key-${id}-0123456789`,
    // Benchmarks steer the in-process simulator through params.__sim.
    SIM_PARAMS_OVERRIDES: 'true',
    RATE_LIMIT_START_PER_MINUTE: '0',
    ...extra,
  };
}

// A benchmark that dies (an uncaught error) must not leave its processes running: they would
// load the machine, and be counted, in the runs that follow.
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

export function start(name, script, env, port, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-20000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-20000)));
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (code && !child.stopping)
        process.stderr.write(`${name} exited ${code} ${signal}\n${output}\n`);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  return {
    name,
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    /** Resolves with {code, signal, at} when the process has exited. */
    exited,
    /** Sends a signal and waits for the exit, without escalating. */
    signal: async (sig) => {
      child.stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      return exited;
    },
    stop: async () => {
      child.stopping = true;
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 15000);
        child.on('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    },
  };
}

export async function waitHealthy(proc, path = '/health', timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(proc.url + path);
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} not healthy: ${proc.output()}`);
}

export async function dropIsolated(env) {
  const db = env.DATABASE_URL.split('/').pop();
  const conn = await createConnection({ host: '127.0.0.1', user: 'root' });
  await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.end();
  const redis = new Redis(env.REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const median = (values) => percentile(values, 50);

export async function json(res) {
  const body = await res.json();
  if (!res.ok && res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Creates a user's API key and one active workflow; returns the key. */
export async function seed(api, projectId = 'bench') {
  const user = { 'x-user-id': 'bench-user', 'content-type': 'application/json' };
  const key = (
    await json(
      await fetch(`${api}/v1/api-keys`, {
        method: 'POST',
        headers: user,
        body: JSON.stringify({ name: 'bench' }),
      }),
    )
  ).data.api_key;
  await json(
    await fetch(`${api}/v1/workflows/upsert`, {
      method: 'POST',
      headers: user,
      body: JSON.stringify({ project_id: projectId, name: 'Bench' }),
    }),
  );
  return key;
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n, concurrency, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(workers);
}

/**
 * The load generator's HTTP client: node:http over a keep-alive pool, several times lighter
 * than fetch(), so that the client takes less of the CPU it shares with the service.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
export async function request(url, options = {}) {
  try {
    return await requestOnce(url, options);
  } catch (err) {
    // A pooled connection the server closed while idle: send again on a new connection (not
    // from the pool, whose other idle sockets the server may have closed at the same moment).
    if (!err.reusedSocket || (err.code !== 'ECONNRESET' && err.code !== 'EPIPE')) throw err;
    return requestOnce(url, options, false);
  }
}

function requestOnce(url, { method = 'GET', headers = {}, body } = {}, pooled = true) {
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent: pooled ? agent : false,
        headers:
          payload === undefined
            ? headers
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
                ...headers,
              },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          if (res.statusCode >= 400)
            reject(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 300)}`));
          else resolve(json);
        });
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(payload);
  });
}

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a built app on a free port and waits until it answers /health. */
export async function launch(name, script, env, nodeArgs = []) {
  const proc = start(name, script, env, await freePort(), nodeArgs);
  await waitHealthy(proc);
  return proc;
}

/** Polls `check` until it is truthy, or throws naming `what`. */
export async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

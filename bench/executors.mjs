// npm run bench:executors — the executor bridge (/ws) under load.
// Needs MariaDB and Redis (as for the tests) and a build (the npm script builds first).
//
// Starts, on an isolated database and Redis prefix, one api process (APP_ROLE=api, which holds
// the executors' connections) and one worker process (APP_ROLE=worker, ROBOT_MODE=executor),
// then from this process:
//   1. memory: the api's RSS idle, then with BENCH_CONNECTIONS executor connections open
//      (each pinging every 30 s like the engine): RSS per idle connection;
//   2. baseline in the same run: a Redis PUBLISH → subscriber round trip (the floor of any
//      push between two processes), at BENCH_RATE per second;
//   3. BENCH_ROUNDS rounds (after one warm-up round not counted; BENCH_WARMUP=false skips it)
//      of BENCH_RATE runs per second for BENCH_SECONDS: every connection is an executor
//      answering at once (BENCH_MANAGED=true: a managed engine). Latencies: dispatch (the run
//      queued for executors by the worker, its time recorded in Redis) → the executor receives
//      `remote/run` (managed: `start`); and reply (managed: the receipt) sent →
//      `execution.completed` delivered to a Socket.IO client of the user.
// Figures are medians over the rounds.
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import {
  dropIsolated,
  freePort,
  isolatedEnv,
  median,
  percentile,
  request,
  seed,
  start,
  waitHealthy,
  waitUntil,
} from './lib.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = (process.env.BENCH_WARMUP ?? 'true') !== 'false';
const MANAGED = process.env.BENCH_MANAGED === 'true';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function settledRss(pid) {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    samples.push(rssKb(pid));
  }
  return median(samples);
}

/**
 * One executor: answers every run at once with its variables echoed. Legacy (default): answers
 * the capabilities probe as the engines in use today do and takes `remote/run`; with
 * BENCH_MANAGED=true it is a managed engine (`start`, then a `succeeded` receipt).
 */
function connectExecutor(url, key, onRun, clientId) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?key=${encodeURIComponent(key)}`, { perMessageDeflate: false });
    ws.on('open', () => {
      const ping = setInterval(() => ws.send('{"channel":"ping"}'), 30_000);
      ws.on('close', () => clearInterval(ping));
      resolve(ws);
    });
    ws.on('error', reject);
    const answer = (frame, data) =>
      ws.send(
        JSON.stringify({
          channel: frame.channel,
          key: frame.key,
          send_uuid: '$root$',
          reply_event_id: frame.event_id,
          data,
        }),
      );
    ws.on('message', (raw) => {
      // Compared with a time taken in another process: the wall clock, not the monotonic one.
      const received = Date.now();
      const frame = JSON.parse(raw.toString());
      if (frame.channel === 'execution') {
        const { action, executionId, payload } = frame.data;
        if (action === 'capabilities') {
          answer(
            frame,
            MANAGED ? { protocol: 1, clientId, supportsCancel: true } : 'func is not exist',
          );
        } else if (action === 'start') {
          const tag = payload.params.tag;
          onRun(frame.event_id, tag, received);
          const at = new Date().toISOString();
          answer(frame, {
            protocol: 1,
            executionId,
            clientId,
            runId: `run-${tag}`,
            status: 'succeeded',
            startedAt: at,
            finishedAt: at,
            result: { tag },
            error: null,
            supportsCancel: true,
          });
          onRun.replied(tag, performance.now());
        }
        return;
      }
      if (frame.channel !== 'remote' || frame.key !== 'run') return;
      const vars = JSON.parse(frame.data.run_param);
      const tag = vars.find((v) => v.varName === 'tag')?.varValue;
      onRun(frame.event_id, tag, received);
      const reply = {
        channel: 'remote',
        key: 'run',
        send_uuid: '$root$',
        reply_event_id: frame.event_id,
        data: { code: '0000', msg: 'ok', data: { tag } },
      };
      ws.send(JSON.stringify(reply));
      onRun.replied(tag, performance.now());
    });
  });
}

async function redisBaseline(env) {
  const pub = new Redis(env.REDIS_URL);
  const sub = new Redis(env.REDIS_URL);
  const channel = `${env.REDIS_PREFIX}:bench:ping`;
  const sent = new Map();
  const latencies = [];
  await sub.subscribe(channel);
  sub.on('message', (_c, id) => latencies.push(performance.now() - sent.get(id)));
  for (let i = 0; i < RATE * SECONDS; i++) {
    sent.set(String(i), performance.now());
    await pub.publish(channel, String(i));
    await sleep(1000 / RATE);
  }
  await sleep(500);
  pub.disconnect();
  sub.disconnect();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  const env = isolatedEnv({
    ROBOT_MODE: 'executor',
    EXECUTOR_MAX_RUNS: '1',
    EXECUTION_CONCURRENCY: '500',
  });
  const procs = [];
  try {
    const api = start(
      'api',
      'dist/apps/api/main.js',
      { ...env, APP_ROLE: 'api' },
      await freePort(),
    );
    procs.push(api);
    await waitHealthy(api);
    const worker = start(
      'worker',
      'dist/apps/api/main.js',
      { ...env, APP_ROLE: 'worker' },
      await freePort(),
    );
    procs.push(worker);
    await waitHealthy(worker);
    const key = await seed(api.url, 'bench-exec');
    const wsUrl = api.url.replace('http', 'ws') + '/ws';

    // 1. memory
    await sleep(2000);
    const idleRss = await settledRss(api.child.pid);
    const runs = new Map(); // tag → { eventId, received, replied }
    const onRun = (eventId, tag, received) => runs.set(tag, { eventId, received });
    onRun.replied = (tag, at) => {
      const run = runs.get(tag);
      if (run) run.replied = at;
    };
    const sockets = [];
    for (let i = 0; i < CONNECTIONS; i += 50) {
      const batch = Math.min(50, CONNECTIONS - i);
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: batch }, (_, n) =>
            connectExecutor(wsUrl, key, onRun, `bench-client-${i + n}`),
          ),
        )),
      );
    }
    await waitUntil(
      async () =>
        (await request(`${api.url}/v1/executors`, { headers: { 'x-user-id': 'bench-user' } })).data
          .total === CONNECTIONS,
      30_000,
      `${CONNECTIONS} executors listed`,
    );
    const loadedRss = await settledRss(api.child.pid);
    const perConnKb = (loadedRss - idleRss) / CONNECTIONS;
    console.log(
      `memory: api RSS ${(idleRss / 1024).toFixed(1)} MB idle, ${(loadedRss / 1024).toFixed(1)} MB ` +
        `with ${CONNECTIONS} executors: ${perConnKb.toFixed(1)} KB per connection`,
    );

    // 2. baseline
    const baseline = await redisBaseline(env);
    console.log(
      `baseline: Redis publish → subscriber p50 ${fmt(baseline.p50)}, p99 ${fmt(baseline.p99)}`,
    );

    // 3. rounds
    const live = io(`${api.url}/executions`, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token: key },
    });
    const completedAt = new Map();
    live.on('execution.completed', (e) => completedAt.set(e.execution_id, performance.now()));
    await new Promise((resolve) => live.on('connect', resolve));
    const redis = new Redis(env.REDIS_URL);
    const rounds = [];
    // Round 0 warms the processes up (JIT, pools) and is not counted.
    for (let round = WARMUP ? 0 : 1; round <= ROUNDS; round++) {
      const tags = new Map(); // tag → execution id
      const total = RATE * SECONDS;
      const begin = performance.now();
      const starts = [];
      for (let i = 0; i < total; i++) {
        const tag = `r${round}-${i}`;
        const due = begin + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        starts.push(
          request(`${api.url}/v1/executions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}` },
            body: { project_id: 'bench-exec', params: { tag } },
          }).then((res) => tags.set(tag, res.data.execution.id)),
        );
      }
      await Promise.all(starts);
      await waitUntil(
        () => [...tags.values()].every((id) => completedAt.has(id)),
        60_000,
        `round ${round}: every run completed`,
      );
      const dispatch = [];
      const claimDelays = [];
      const toEvent = [];
      for (const [tag, id] of tags) {
        const run = runs.get(tag);
        const [queued, claimed] = (
          await redis.hmget(
            `${env.REDIS_PREFIX}:executor:run:${run.eventId}`,
            'created_at',
            'dispatched_at',
          )
        ).map(Number);
        dispatch.push(run.received - queued);
        claimDelays.push(claimed - queued);
        toEvent.push(completedAt.get(id) - run.replied);
      }
      const r = {
        dispatchP50: percentile(dispatch, 50),
        dispatchP99: percentile(dispatch, 99),
        eventP50: percentile(toEvent, 50),
        eventP99: percentile(toEvent, 99),
      };
      if (round > 0) rounds.push(r);
      if (process.env.BENCH_DEBUG) {
        console.log(`  queued → claimed p50 ${fmt(percentile(claimDelays, 50))}`);
      }
      console.log(
        `round ${round || 'warm-up'}: ${total} runs at ${RATE}/s — dispatch → frame p50 ${fmt(r.dispatchP50)}, ` +
          `p99 ${fmt(r.dispatchP99)}; reply → completed event p50 ${fmt(r.eventP50)}, p99 ${fmt(r.eventP99)}`,
      );
      await sleep(3000);
    }
    redis.disconnect();
    live.close();
    for (const ws of sockets) ws.close();
    const m = (k) => median(rounds.map((r) => r[k]));
    console.log(
      `\nmedians over ${ROUNDS} rounds: RSS per idle connection ${perConnKb.toFixed(1)} KB (target < 50); ` +
        `dispatch → frame p50 ${fmt(m('dispatchP50'))} p99 ${fmt(m('dispatchP99'))} (target p99 < 20 ms, ` +
        `${(m('dispatchP99') / baseline.p99).toFixed(1)}× the Redis baseline p99); ` +
        `reply → completed event p50 ${fmt(m('eventP50'))} p99 ${fmt(m('eventP99'))} (target p99 < 50 ms)`,
    );
  } finally {
    if (process.env.BENCH_DEBUG) for (const p of procs) console.log(p.name, p.output());
    await Promise.all(procs.map((p) => p.stop()));
    await dropIsolated(env).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import { isolatedEnv, start, waitHealthy, seed, request, dropIsolated, percentile } from './lib.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sim = start('sim', 'dist/apps/robot-sim/main.js', { SIM_DELAY_MS: '0' }, 18700);
const env = isolatedEnv({ ROBOT_MODE: 'http', ROBOT_BASE_URL: sim.url, EXECUTION_CONCURRENCY: process.env.CONC ?? '200', DB_POOL_SIZE: '30' });
const api = start('api', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'api' }, 18701, process.env.TRACE ? ['--trace-gc'] : []);
await waitHealthy(sim); await waitHealthy(api);
const worker = start('worker', 'dist/apps/api/main.js', { ...env, APP_ROLE: 'worker' }, 18702);
await waitHealthy(worker);
const key = await seed(api.url);
const headers = { authorization: `Bearer ${key}` };
for (let round = 0; round < 3; round++) {
  await request(`${sim.url}/sim/reset`, { method: 'POST' });
  const total = 1000, sentAt = [], reqLat = [];
  const began = Date.now(); const inflight = [];
  for (let i = 0; i < total; i++) {
    const wait = began + (i * 1000) / 100 - Date.now(); if (wait > 0) await sleep(wait);
    const s = Date.now(); sentAt[i] = s;
    inflight.push(request(`${api.url}/workflows/bench/execute-async`, { method: 'POST', headers, body: { params: { h: i } } }).then(() => reqLat.push(Date.now() - s)));
  }
  await Promise.all(inflight); await sleep(1000);
  const tasks = (await request(`${sim.url}/sim/tasks`)).data.tasks;
  const h = tasks.map((t) => Date.parse(t.created_at) - sentAt[t.params.h]);
  const q = (a) => [50, 90, 99, 100].map((p) => percentile(a, p)).join('/');
  console.log(`round ${round}: request ${q(reqLat)}  handoff ${q(h)}`);
}
if (process.env.TRACE) { const gcs = api.output().split('\n').filter((l) => l.includes(process.env.TRACE)); console.log(gcs.slice(-15).join('\n')); }
await worker.stop(); await api.stop(); await sim.stop(); await dropIsolated(env);

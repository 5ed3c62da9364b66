import { createHmac } from 'node:crypto';
import { Queue } from 'bullmq';
import { Connection, createConnection } from 'mysql2/promise';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { WEBHOOK_DELIVERY_QUEUE } from '../apps/api/src/webhook/webhook.constants';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { createKey, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';
import { waitFor } from './support/wait';
import { Receiver, startReceiver } from './support/webhook-receiver';

const USER = 'multi-user';
const as = { 'X-User-Id': USER };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The deployment shape of DESIGN §2: an api process and two worker processes sharing MySQL and
 * Redis (the built app, `node dist/apps/api/main.js`).
 */
describe('Webhooks and schedules across processes (e2e)', () => {
  const env = testEnv({
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Long enough for the crash test to kill every process before the second attempt.
    WEBHOOK_BACKOFF_BASE_MS: '2000',
    // A job a killed worker held is taken up again within a few seconds.
    JOB_LOCK_MS: '4000',
    JOB_STALLED_INTERVAL_MS: '1000',
    SIM_DELAY_MS: '50',
  });
  let api: NodeProcess;
  let workers: NodeProcess[] = [];
  let http: TestAgent;
  let db: Connection;
  let ticks: Queue;
  let deliveries: Queue;
  let key: string;
  const receivers: Receiver[] = [];

  const startAll = async () => {
    api = await spawnApi(env, { role: 'api' });
    workers = await Promise.all([
      spawnApi(env, { role: 'worker' }),
      spawnApi(env, { role: 'worker' }),
    ]);
    http = request(api.url);
  };
  const stopAll = (how: 'stop' | 'crash' = 'stop') =>
    Promise.all([api, ...workers].filter(Boolean).map((p) => p[how]()));
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await db.query(sql, params))[0] as T[];
  const runToEnd = async (body: object = {}) => {
    const res = await http
      .post('/v1/workflows/multi/execute-async')
      .set('Authorization', `Bearer ${key}`)
      .send(body)
      .expect(202);
    const id = res.body.data.executionId as string;
    await waitFor(
      async () => {
        const [row] = await rows<{ status: string }>('SELECT status FROM executions WHERE id = ?', [
          id,
        ]);
        return row?.status;
      },
      {
        what: `execution ${id} to end`,
        accept: (status) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(status),
        failFast: true,
      },
    );
    return id;
  };

  beforeAll(async () => {
    await startAll();
    const database = env.DATABASE_URL.split('/').pop();
    db = await createConnection({ host: '127.0.0.1', user: 'root', database });
    const queueOptions = {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: `${env.REDIS_PREFIX}:bull`,
    };
    ticks = new Queue('schedule-ticks', queueOptions);
    deliveries = new Queue(WEBHOOK_DELIVERY_QUEUE, queueOptions);
    key = await createKey(http, USER, { name: 'multi' });
    await upsertWorkflow(http, USER, 'multi', { name: 'Multi' });
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await ticks?.close();
    await deliveries?.close();
    await db?.end();
    await stopAll();
    await dropTestResources(env);
  });

  it('should deliver each event exactly once although every process handles it', async () => {
    const target = await startReceiver();
    receivers.push(target);
    const hook = await http
      .post('/v1/webhooks')
      .set(as)
      .send({ url: target.url, events: ['execution.started', 'execution.completed'] })
      .expect(201);
    const secret = hook.body.data.secret as string;

    const executionId = await runToEnd();
    await target.waitFor(2);
    await sleep(1000); // time for any duplicate to show up
    const bodies = target.requests.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(['execution.completed', 'execution.started']);
    expect(bodies.every((b) => b.data.execution.id === executionId)).toBe(true);
    for (const r of target.requests) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(r.headers['x-rpa-signature']))!;
      expect(createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex')).toBe(v1);
    }
    const log = await rows('SELECT id FROM webhook_deliveries WHERE webhook_id = ?', [
      hook.body.data.id,
    ]);
    expect(log).toHaveLength(2);
    await http.delete(`/v1/webhooks/${hook.body.data.id}`).set(as).expect(200);
  });

  it('should start one run per tick with two workers (5±1 in five seconds) and stop when disabled', async () => {
    const t0 = Date.now();
    const created = await http
      .post('/v1/workflows/multi/schedules')
      .set(as)
      .send({ cron: '* * * * * *', params: { scheduled: true } })
      .expect(201);
    const scheduleId = created.body.data.schedule.id as string;
    const tickRuns = async () =>
      (
        await rows<{ idempotency_key: string; trigger: string }>(
          'SELECT idempotency_key, `trigger` FROM executions WHERE reference = ?',
          [`schedule:${scheduleId}`],
        )
      ).map((r) => ({ tick: Number(r.idempotency_key.split(':').pop()), trigger: r.trigger }));

    // Wait until the ticks of the five seconds after creation have all been handled.
    await waitFor(async () => (await tickRuns()).some((r) => r.tick > t0 + 6000), {
      what: 'ticks past the five-second window',
      failFast: true,
    });
    const runs = await tickRuns();
    const window = runs.filter((r) => r.tick > t0 && r.tick <= t0 + 5000);
    expect(window.length).toBeGreaterThanOrEqual(4);
    expect(window.length).toBeLessThanOrEqual(6);
    expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
    const ticksSeen = runs.map((r) => r.tick).sort((a, b) => a - b);
    expect(new Set(ticksSeen).size).toBe(ticksSeen.length); // never two runs for one tick
    for (let i = 1; i < ticksSeen.length; i++) {
      expect(ticksSeen[i] - ticksSeen[i - 1]).toBeGreaterThanOrEqual(1000);
    }

    await http.patch(`/v1/schedules/${scheduleId}`).set(as).send({ enabled: false }).expect(200);
    await sleep(1500); // a tick already being processed may still start its run
    const afterDisable = (await tickRuns()).length;
    await sleep(3000);
    expect((await tickRuns()).length).toBe(afterDisable);
    expect((await ticks.getJobSchedulers()).map((s) => s.key)).not.toContain(scheduleId);
  });

  it("should remove a deleted workflow's schedules from MySQL and Redis", async () => {
    await upsertWorkflow(http, USER, 'doomed', { name: 'Doomed' });
    const created = await http
      .post('/v1/workflows/doomed/schedules')
      .set(as)
      .send({ cron: '0 0 1 1 *' })
      .expect(201);
    const scheduleId = created.body.data.schedule.id as string;
    expect((await ticks.getJobSchedulers()).map((s) => s.key)).toContain(scheduleId);

    await http.delete('/v1/workflows/doomed').set(as).expect(200);
    await waitFor(
      async () => {
        const left = await rows('SELECT id FROM schedules WHERE project_id = ?', ['doomed']);
        const ids = (await ticks.getJobSchedulers()).map((s) => s.key);
        return left.length === 0 && !ids.includes(scheduleId);
      },
      { what: 'the schedule to be removed', failFast: true },
    );
  });

  it(
    'should keep a pending delivery across a crash of every process',
    { timeout: 120_000 },
    async () => {
      const target = await startReceiver(() => 503);
      receivers.push(target);
      const hook = await http
        .post('/v1/webhooks')
        .set(as)
        .send({ url: target.url, events: ['execution.completed'] })
        .expect(201);
      await runToEnd();
      // Crash once the first attempt (a 503) is logged and the retry waits in Redis.
      await waitFor(
        async () => {
          const [row] = await rows<{ id: string; attempts: number }>(
            'SELECT id, attempts FROM webhook_deliveries WHERE webhook_id = ?',
            [hook.body.data.id],
          );
          // Logged in MySQL is not yet rescheduled in Redis (the job id is the delivery id).
          return { attempts: row?.attempts, job: row && (await deliveries.getJobState(row.id)) };
        },
        {
          what: 'the first attempt to be logged and its retry to wait in Redis',
          accept: ({ attempts, job }) => attempts === 1 && job === 'delayed',
          failFast: true,
        },
      );

      await stopAll('crash');
      target.respondWith(() => 200);
      await startAll();

      await waitFor(
        async () => {
          const [row] = await rows<{ status: string; attempts: number }>(
            'SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = ?',
            [hook.body.data.id],
          );
          return row;
        },
        {
          what: 'the delivery to succeed after the restart',
          accept: (row) => row?.status === 'succeeded',
          failFast: true,
        },
      );
      expect(target.requests).toHaveLength(2);
      expect(target.requests[1].body).toBe(target.requests[0].body);
      const attempts = await rows<{ attempt: number; status_code: number }>(
        `SELECT a.attempt, a.status_code FROM webhook_delivery_attempts a
         JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE d.webhook_id = ? ORDER BY a.attempt`,
        [hook.body.data.id],
      );
      expect(attempts).toEqual([
        { attempt: 1, status_code: 503 },
        { attempt: 2, status_code: 200 },
      ]);
    },
  );
});

import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Job, Queue, RedisOptions as BullRedisOptions, UnrecoverableError, Worker } from 'bullmq';
import { RedisService } from '@app/common';
import {
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { EXECUTION_QUEUE } from '../apps/api/src/execution/execution.constants';
import { TestApp, startTestApp } from './support/app';
import { insertExecution } from './support/executions';
import { createKey, startRun, upsertWorkflow } from './support/fixtures';
import { waitFor } from './support/wait';

const TOKEN = 'admin-token-for-tests-0123456789';
const bearer = `Bearer ${TOKEN}`;

/** Every admin route of docs/operating.md with a harmless body. */
const ROUTES: Array<[method: 'get' | 'post' | 'delete', path: string, body?: object]> = [
  ['get', '/admin/queue'],
  ['post', '/admin/queue/pause'],
  ['post', '/admin/queue/resume'],
  ['post', '/admin/queue/retry-failed'],
  ['post', '/admin/queue/clean', { state: 'completed', older_than_ms: 0 }],
  ['get', '/admin/executions'],
  ['post', `/admin/executions/${randomUUID()}/cancel`],
  ['post', '/admin/reconcile'],
  ['delete', '/admin/users/somebody/api-keys'],
  ['get', '/admin/queues'],
  ['get', '/admin/queues/api/queues'],
];

describe('Admin (e2e)', () => {
  let sut: TestApp;
  let queue: Queue;
  /** Takes jobs by hand, to put them in the failed or completed state. */
  let hand: Worker;

  beforeAll(async () => {
    // api role: no processor, so queued jobs stay where the tests put them.
    sut = await startTestApp({ APP_ROLE: 'api', ADMIN_TOKEN: TOKEN });
    // ioredis and BullMQ describe the same options with slightly different types.
    const connection = RedisService.optionsFrom(sut.env.REDIS_URL) as BullRedisOptions;
    const prefix = `${sut.env.REDIS_PREFIX}:bull`;
    queue = new Queue(EXECUTION_QUEUE, { connection, prefix });
    hand = new Worker(EXECUTION_QUEUE, null, { connection, prefix, autorun: false });
  });
  afterAll(async () => {
    await hand?.close();
    await queue?.close();
    await sut?.close();
  });

  const executions = () => sut.db.getRepository(ExecutionEntity);

  /** Takes the next waiting job and ends it as `outcome` (the id it had). */
  async function finishNextJob(outcome: 'failed' | 'completed'): Promise<string> {
    const token = randomUUID();
    const job = (await hand.getNextJob(token, { block: false })) as Job | undefined;
    if (!job) throw new Error('no waiting job');
    if (outcome === 'failed') {
      await job.moveToFailed(new UnrecoverableError('simulated crash'), token, false);
    } else await job.moveToCompleted('done', token, false);
    return job.id as string;
  }

  const insert = (patch: Partial<ExecutionEntity>) =>
    insertExecution(sut.db, { project_id: 'p-admin', user_id: 'zed', ...patch });

  it('should answer 401 on every admin route without the token or with a wrong one', async () => {
    for (const [method, path, body] of ROUTES) {
      const missing = await sut.http[method](path).send(body);
      expect({ path, status: missing.status }).toEqual({ path, status: 401 });
      expect(missing.body).toMatchObject({ code: '5001', error: 'UNAUTHENTICATED' });
      const wrong = await sut.http[method](path)
        .set('Authorization', 'Bearer not-the-admin-token-0123456789')
        .send(body);
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
    }
  });

  it('should not take an API key or a trusted user header for the admin token', async () => {
    await upsertWorkflow(sut.http, 'mallory', 'p-mallory');
    const key = await createKey(sut.http, 'mallory');
    await sut.http.get('/admin/queue').set('Authorization', `Bearer ${key}`).expect(401);
    await sut.http.get('/admin/executions').set('X-User-Id', 'admin').expect(401);
  });

  it('should report queue counts by state and pause and resume the queue everywhere', async () => {
    await upsertWorkflow(sut.http, 'alice', 'p-alice');
    const key = await createKey(sut.http, 'alice');
    await startRun(sut.http, key, 'p-alice');
    await startRun(sut.http, key, 'p-alice');

    const status = await sut.http.get('/admin/queue').set('Authorization', bearer).expect(200);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'failed', 'completed');
    expect(status.body.data).toMatchObject({
      queue: 'executions',
      paused: false,
      counts: {
        waiting: counts.waiting,
        prioritized: counts.prioritized,
        failed: counts.failed,
        completed: counts.completed,
        active: 0,
      },
    });
    expect(status.body.data.counts.waiting + status.body.data.counts.prioritized).toBeGreaterThan(
      1,
    );

    const paused = await sut.http
      .post('/admin/queue/pause')
      .set('Authorization', bearer)
      .expect(200);
    expect(paused.body.data.paused).toBe(true);
    expect(await queue.isPaused()).toBe(true);
    expect((await sut.http.get('/admin/queue').set('Authorization', bearer)).body.data.paused).toBe(
      true,
    );

    const resumed = await sut.http
      .post('/admin/queue/resume')
      .set('Authorization', bearer)
      .expect(200);
    expect(resumed.body.data.paused).toBe(false);
    expect(await queue.isPaused()).toBe(false);
  });

  it('should move failed jobs back to waiting', async () => {
    await upsertWorkflow(sut.http, 'bob', 'p-bob');
    const key = await createKey(sut.http, 'bob');
    await startRun(sut.http, key, 'p-bob');
    const failedId = await finishNextJob('failed');
    expect(await queue.getJobState(failedId)).toBe('failed');

    const res = await sut.http
      .post('/admin/queue/retry-failed')
      .set('Authorization', bearer)
      .expect(200);
    expect(res.body.data.retried).toBeGreaterThanOrEqual(1);
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(failedId));
    expect(await queue.getFailedCount()).toBe(0);
  });

  it('should remove finished jobs older than the given age and validate the request', async () => {
    await upsertWorkflow(sut.http, 'carol', 'p-carol');
    const key = await createKey(sut.http, 'carol');
    await startRun(sut.http, key, 'p-carol');
    const doneId = await finishNextJob('completed');
    expect(await queue.getJobState(doneId)).toBe('completed');

    const young = await sut.http
      .post('/admin/queue/clean')
      .set('Authorization', bearer)
      .send({ state: 'completed', older_than_ms: 3_600_000 })
      .expect(200);
    expect(young.body.data).toMatchObject({ state: 'completed', removed: 0 });
    expect(await queue.getJob(doneId)).toBeDefined();

    const res = await sut.http
      .post('/admin/queue/clean')
      .set('Authorization', bearer)
      .send({ state: 'completed', older_than_ms: 0 })
      .expect(200);
    expect(res.body.data.job_ids).toContain(doneId);
    expect(res.body.data.removed).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(doneId)).toBeUndefined();

    for (const body of [
      { state: 'active', older_than_ms: 0 },
      { state: 'completed', older_than_ms: -1 },
      { state: 'completed' },
      { older_than_ms: 10 },
      { state: 'failed', older_than_ms: 0, extra: true },
    ]) {
      const bad = await sut.http.post('/admin/queue/clean').set('Authorization', bearer).send(body);
      expect({ body, status: bad.status, error: bad.body.error }).toEqual({
        body,
        status: 400,
        error: 'VALIDATION_FAILED',
      });
    }
  });

  it("should list any user's executions with user_id, project_id and status filters", async () => {
    const a = await insert({ user_id: 'dave', project_id: 'p-dave' });
    const b = await insert({
      user_id: 'dave',
      project_id: 'p-dave-2',
      status: ExecutionStatus.Completed,
    });
    const c = await insert({ user_id: 'erin', project_id: 'p-dave' });

    const byUser = await sut.http
      .get('/admin/executions?user_id=dave')
      .set('Authorization', bearer)
      .expect(200);
    expect(byUser.body.data.total).toBe(2);
    expect(byUser.body.data.records.map((r: { id: string }) => r.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );

    const byProject = await sut.http
      .get('/admin/executions?project_id=p-dave')
      .set('Authorization', bearer)
      .expect(200);
    expect(byProject.body.data.records.map((r: { id: string }) => r.id).sort()).toEqual(
      [a.id, c.id].sort(),
    );

    const byStatus = await sut.http
      .get('/admin/executions?user_id=dave&status=COMPLETED')
      .set('Authorization', bearer)
      .expect(200);
    expect(byStatus.body.data).toMatchObject({ total: 1, records: [{ id: b.id }] });

    const all = await sut.http
      .get('/admin/executions?pageSize=100')
      .set('Authorization', bearer)
      .expect(200);
    expect(new Set(all.body.data.records.map((r: { user_id: string }) => r.user_id))).toEqual(
      new Set(
        await executions()
          .find()
          .then((rows) => rows.map((r) => r.user_id)),
      ),
    );

    await sut.http.get('/admin/executions?status=LOST').set('Authorization', bearer).expect(400);
  });

  it('should cancel any user’s execution and remove its waiting job', async () => {
    await upsertWorkflow(sut.http, 'frank', 'p-frank');
    const key = await createKey(sut.http, 'frank');
    const id = await startRun(sut.http, key, 'p-frank');
    expect(await queue.getJob(id)).toBeDefined();

    const res = await sut.http
      .post(`/admin/executions/${id}/cancel`)
      .set('Authorization', bearer)
      .expect(200);
    expect(res.body.data.execution).toMatchObject({ id, status: 'CANCELLED' });
    expect((await executions().findOneByOrFail({ id })).status).toBe(ExecutionStatus.Cancelled);
    expect(await queue.getJob(id)).toBeUndefined();

    await sut.http.post(`/admin/executions/${id}/cancel`).set('Authorization', bearer).expect(200);
    const done = await insert({ status: ExecutionStatus.Completed });
    await sut.http
      .post(`/admin/executions/${done.id}/cancel`)
      .set('Authorization', bearer)
      .expect(409);
    await sut.http
      .post(`/admin/executions/${randomUUID()}/cancel`)
      .set('Authorization', bearer)
      .expect(404);
  });

  it('should re-enqueue, resume or fail executions left without a live job, and say so', async () => {
    // Crash between the row insert and the enqueue: PENDING, no job at all.
    const orphan = await insert({});
    // A RUNNING run whose job failed (its worker gave up) while the robot task goes on.
    const running = await insert({
      status: ExecutionStatus.Running,
      robot_task_id: 'robot-task-7',
      start_time: new Date(),
    });
    await queue.add('run', { executionId: running.id }, { jobId: running.id });
    expect(await finishNextJobFor(running.id)).toBe('failed');
    // RUNNING without a task id and no job: nothing to follow.
    const lost = await insert({ status: ExecutionStatus.Running });
    // PENDING with its job waiting: healthy, left alone.
    const healthy = await insert({});
    await queue.add('run', { executionId: healthy.id }, { jobId: healthy.id });

    const res = await sut.http.post('/admin/reconcile').set('Authorization', bearer).expect(200);
    const report = res.body.data;
    const item = (id: string) =>
      report.items.find((i: { execution_id: string }) => i.execution_id === id);
    expect(item(orphan.id)).toMatchObject({
      status: 'PENDING',
      job_state: 'missing',
      action: 'requeued',
    });
    expect(item(running.id)).toMatchObject({
      status: 'RUNNING',
      job_state: 'failed',
      action: 'resumed',
    });
    expect(item(lost.id)).toMatchObject({ status: 'RUNNING', action: 'failed' });
    expect(item(healthy.id)).toBeUndefined();
    expect(report.live).toBeGreaterThanOrEqual(1);
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    expect(report.resumed).toBe(1);
    expect(report.failed).toBe(1);

    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(orphan.id));
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(running.id));
    expect((await queue.getJob(running.id))?.attemptsMade).toBe(0);
    const failed = await executions().findOneByOrFail({ id: lost.id });
    expect(failed).toMatchObject({ status: ExecutionStatus.Failed, error_code: 'lost' });
    expect(failed.error).toMatch(/cannot be resumed/);
    expect(failed.end_time).not.toBeNull();
    // The resumed run keeps its task: the runner follows it, never creating a second one.
    expect((await executions().findOneByOrFail({ id: running.id })).robot_task_id).toBe(
      'robot-task-7',
    );

    const again = await sut.http.post('/admin/reconcile').set('Authorization', bearer).expect(200);
    expect(again.body.data).toMatchObject({ requeued: 0, resumed: 0, failed: 0, errors: 0 });
  });

  /** Takes jobs by hand until `id` comes up, failing it; others go back untouched. */
  async function finishNextJobFor(id: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const token = randomUUID();
      const job = (await hand.getNextJob(token, { block: false })) as Job | undefined;
      if (!job) break;
      if (job.id === id) {
        await job.moveToFailed(new Error('worker gave up'), token, false);
        return queue.getJobState(id);
      }
      await job.moveToWait(token);
    }
    throw new Error(`job ${id} not found`);
  }

  it('should revoke every key of a user, effective at once', async () => {
    await upsertWorkflow(sut.http, 'gina', 'p-gina');
    const keys = [await createKey(sut.http, 'gina'), await createKey(sut.http, 'gina')];
    await sut.http.get('/v1/executions').set('Authorization', `Bearer ${keys[0]}`).expect(200);

    const res = await sut.http
      .delete('/admin/users/gina/api-keys')
      .set('Authorization', bearer)
      .expect(200);
    expect(res.body.data).toEqual({ user_id: 'gina', revoked: 2 });
    const rows: Array<{ is_active: number }> = await sut.db.query(
      'SELECT is_active FROM api_keys WHERE user_id = ?',
      ['gina'],
    );
    expect(rows.map((r) => Number(r.is_active))).toEqual([0, 0]);
    for (const key of keys) {
      await waitFor(
        async () =>
          (await sut.http.get('/v1/executions').set('Authorization', `Bearer ${key}`)).status ===
          401,
        { what: 'the revoked key to be refused', timeoutMs: 5000 },
      );
    }
  });

  it('should log every admin action with who did what', async () => {
    const log = vi.spyOn(Logger.prototype, 'log');
    try {
      await sut.http
        .post('/admin/queue/pause')
        .set('Authorization', bearer)
        .set('X-Admin-Actor', 'ops-oncall')
        .expect(200);
      await sut.http.post('/admin/queue/resume').set('Authorization', bearer).expect(200);
      const audits = log.mock.calls
        .map(([first]) => (first as { audit?: Record<string, unknown> })?.audit)
        .filter(Boolean);
      expect(audits).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'POST /admin/queue/pause',
            actor: 'admin:ops-oncall',
            outcome: 'ok',
            status: 200,
            summary: expect.objectContaining({ paused: true }),
          }),
          expect.objectContaining({ action: 'POST /admin/queue/resume', actor: 'admin' }),
        ]),
      );
      expect(JSON.stringify(log.mock.calls)).not.toContain(TOKEN);
    } finally {
      log.mockRestore();
    }
  });

  describe('Bull Board at /admin/queues', () => {
    it('should serve the board with the bearer token', async () => {
      const page = await sut.http.get('/admin/queues').set('Authorization', bearer).expect(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain('<base href="/admin/queues/"');
      const api = await sut.http
        .get('/admin/queues/api/queues')
        .set('Authorization', bearer)
        .expect(200);
      expect(api.body.queues.map((q: { name: string }) => q.name)).toContain('executions');
    });

    it('should sign a browser in once with ?token= and an HttpOnly cookie', async () => {
      await sut.http.get('/admin/queues?token=wrong-token-0123456789').expect(401);
      const signIn = await sut.http.get(`/admin/queues?token=${TOKEN}`).expect(303);
      expect(signIn.headers.location).toBe('/admin/queues');
      const setCookie = String(signIn.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).toMatch(/Path=\/admin\/queues/);
      expect(setCookie).not.toContain(TOKEN);
      const cookie = setCookie.split(';')[0];

      await sut.http.get('/admin/queues').set('Cookie', cookie).expect(200);
      const asset = /src="(static\/js\/main[^"]+)"/.exec(
        (await sut.http.get('/admin/queues').set('Cookie', cookie)).text,
      )?.[1];
      expect(asset).toBeDefined();
      await sut.http.get(`/admin/queues/${asset}`).set('Cookie', cookie).expect(200);
      await sut.http.get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
      await sut.http
        .get('/admin/queues/api/queues')
        .set('Cookie', 'rpa_admin_board=forged')
        .expect(401);
      // A page of another site cannot act through the cookie.
      await sut.http
        .put('/admin/queues/api/queues/executions/pause')
        .set('Cookie', cookie)
        .set('Origin', 'https://evil.example')
        .expect(403);
      expect(await queue.isPaused()).toBe(false);
    });
  });
});

describe('Admin without ADMIN_TOKEN (e2e)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should answer 404 on every admin route, whatever the caller sends', async () => {
    for (const [method, path, body] of ROUTES) {
      const res = await sut.http[method](path).send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      const withToken = await sut.http[method](path).set('Authorization', bearer).send(body);
      expect({ path, status: withToken.status }).toEqual({ path, status: 404 });
    }
    await sut.http.get(`/admin/queues?token=${TOKEN}`).expect(404);
  });
});

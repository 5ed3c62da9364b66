import { Queue } from 'bullmq';
import { TestApp, startTestApp } from './support/app';
import { upsertWorkflow } from './support/fixtures';
import { waitFor } from './support/wait';

const USER = 'schedule-user';
const as = { 'X-User-Id': USER };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Schedules (e2e)', () => {
  let sut: TestApp;
  let ticks: Queue;

  const upsert = (projectId: string, status: 0 | 1 = 1) =>
    upsertWorkflow(sut.http, USER, projectId, { name: 'Scheduled', status });
  const createSchedule = async (projectId: string, body: object) =>
    (await sut.http.post(`/v1/workflows/${projectId}/schedules`).set(as).send(body).expect(201))
      .body.data.schedule;
  const runsOf = async (scheduleId: string) => {
    const rows: Array<{ id: string; trigger: string; idempotency_key: string }> =
      await sut.db.query(
        'SELECT id, `trigger`, idempotency_key FROM executions WHERE reference = ? ORDER BY created_at',
        [`schedule:${scheduleId}`],
      );
    return rows;
  };
  const schedulerIds = async () => (await ticks.getJobSchedulers()).map((s) => s.key);

  beforeAll(async () => {
    sut = await startTestApp({ SCHEDULE_RESYNC_MS: '1000' });
    ticks = new Queue('schedule-ticks', {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: `${sut.env.REDIS_PREFIX}:bull`,
    });
  });
  afterAll(async () => {
    await ticks?.close();
    await sut?.close();
  });

  it('should validate cron, time zone, priority, ownership and scopes', async () => {
    await upsert('sched-validate');
    const post = (body: object, headers: Record<string, string> = as) =>
      sut.http.post('/v1/workflows/sched-validate/schedules').set(headers).send(body);
    for (const body of [
      { cron: '* * * *' },
      { cron: '* * * * * * *' },
      { cron: '61 * * * *' },
      { cron: 'every day' },
      { cron: '@daily' },
      { cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' },
      { cron: '0 9 * * *', priority: 11 },
      { cron: '0 9 * * *', params: 'not an object' },
      { timezone: 'UTC' },
    ]) {
      const res = await post(body);
      expect({ body, status: res.status, error: res.body.error }).toEqual({
        body,
        status: 400,
        error: 'VALIDATION_FAILED',
      });
    }
    await sut.http
      .post('/v1/workflows/upsert')
      .set(as)
      .send({
        project_id: 'sched-typed',
        name: 'Typed',
        parameters: {
          type: 'object',
          required: ['month'],
          properties: { month: { type: 'string' } },
        },
      })
      .expect(200);
    const typed = await sut.http
      .post('/v1/workflows/sched-typed/schedules')
      .set(as)
      .send({ cron: '0 9 * * *', params: { month: 7 } })
      .expect(400);
    expect(typed.body.details).toEqual([{ field: 'params.month', errors: [expect.any(String)] }]);
    await sut.http
      .post('/v1/workflows/sched-typed/schedules')
      .set(as)
      .send({ cron: '0 9 * * *', params: { month: '2026-10' } })
      .expect(201);

    await sut.http
      .post('/v1/workflows/sched-validate/schedules')
      .set('X-User-Id', 'intruder')
      .send({ cron: '0 9 * * *' })
      .expect(404);

    const created = await post({ cron: ' 0  9 * * 1-5 ', timezone: 'europe/berlin', priority: 2 });
    expect(created.status).toBe(201);
    const schedule = created.body.data.schedule;
    expect(schedule).toMatchObject({
      project_id: 'sched-validate',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      priority: 2,
      params: null,
      enabled: true,
      last_run_at: null,
    });
    expect(new Date(schedule.next_run_at).getTime()).toBeGreaterThan(Date.now());
    await sut.http.get(`/v1/schedules/${schedule.id}`).set('X-User-Id', 'intruder').expect(404);
    await sut.http.delete(`/v1/schedules/${schedule.id}`).set('X-User-Id', 'intruder').expect(404);
    await sut.http
      .patch(`/v1/schedules/${schedule.id}`)
      .set('X-User-Id', 'intruder')
      .send({ enabled: false })
      .expect(404);
    await sut.http
      .patch(`/v1/schedules/${schedule.id}`)
      .set(as)
      .send({ enabled: 'no' })
      .expect(400);

    const key = await sut.http
      .post('/v1/api-keys')
      .set(as)
      .send({ name: 'ro', scopes: ['read'] })
      .expect(201);
    const readOnly = { Authorization: `Bearer ${key.body.data.api_key}` };
    await post({ cron: '0 9 * * *' }, readOnly).expect(403);
    const list = await sut.http
      .get('/v1/workflows/sched-validate/schedules')
      .set(readOnly)
      .expect(200);
    expect(list.body.data).toMatchObject({ total: 1, records: [{ id: schedule.id }] });

    await sut.http.delete(`/v1/schedules/${schedule.id}`).set(as).expect(200);
    await sut.http.get(`/v1/schedules/${schedule.id}`).set(as).expect(404);
    expect(await schedulerIds()).not.toContain(schedule.id);
  });

  it('should start runs with trigger "schedule", stop while the workflow is inactive, and resume', async () => {
    await upsert('sched-run');
    const schedule = await createSchedule('sched-run', {
      cron: '* * * * * *',
      params: { from: 'schedule' },
      priority: 3,
    });
    expect(await schedulerIds()).toContain(schedule.id);
    await waitFor(async () => (await runsOf(schedule.id)).length, {
      what: 'two runs',
      accept: (runs) => runs >= 2,
      failFast: true,
    });

    const run = await sut.http
      .get(`/v1/executions/${(await runsOf(schedule.id))[0].id}`)
      .set(as)
      .expect(200);
    expect(run.body.data.execution).toMatchObject({
      trigger: 'schedule',
      parameters: { from: 'schedule' },
      priority: 3,
      user_id: USER,
      reference: `schedule:${schedule.id}`,
    });
    const shown = await sut.http.get(`/v1/schedules/${schedule.id}`).set(as).expect(200);
    expect(shown.body.data.schedule.last_execution_id).toEqual(expect.any(String));

    await upsert('sched-run', 0);
    await waitFor(schedulerIds, {
      what: 'the job scheduler to be removed',
      accept: (ids) => !ids.includes(schedule.id),
      failFast: true,
    });
    await sleep(1500); // a tick that was already running may still end
    const whileInactive = (await runsOf(schedule.id)).length;
    await sleep(2500);
    expect((await runsOf(schedule.id)).length).toBe(whileInactive);

    await upsert('sched-run', 1);
    await waitFor(async () => (await runsOf(schedule.id)).length, {
      what: 'runs to resume',
      accept: (runs) => runs > whileInactive,
      failFast: true,
    });
    await sut.http.delete(`/v1/schedules/${schedule.id}`).set(as).expect(200);
  });

  it('should heal a job scheduler lost from Redis from the schedules table', async () => {
    await upsert('sched-heal');
    const schedule = await createSchedule('sched-heal', { cron: '0 0 1 1 *' });
    await ticks.removeJobScheduler(schedule.id);
    expect(await schedulerIds()).not.toContain(schedule.id);
    await waitFor(schedulerIds, {
      what: 'the re-sync to restore the job scheduler',
      accept: (ids) => ids.includes(schedule.id),
      failFast: true,
    });
    const scheduler = await ticks.getJobScheduler(schedule.id);
    expect(scheduler).toMatchObject({ pattern: '0 0 1 1 *', tz: 'UTC' });

    await sut.http
      .patch(`/v1/schedules/${schedule.id}`)
      .set(as)
      .send({ enabled: false })
      .expect(200);
    expect(await schedulerIds()).not.toContain(schedule.id);
    const disabled = await sut.http.get(`/v1/schedules/${schedule.id}`).set(as).expect(200);
    expect(disabled.body.data.schedule).toMatchObject({ enabled: false, next_run_at: null });
    await sleep(2500); // re-syncs happen meanwhile and must not bring it back
    expect(await schedulerIds()).not.toContain(schedule.id);
  });

  it("should remove a deleted workflow's schedules", async () => {
    await upsert('sched-delete');
    const a = await createSchedule('sched-delete', { cron: '0 0 1 1 *' });
    const b = await createSchedule('sched-delete', { cron: '30 4 * * *', timezone: 'Asia/Tokyo' });
    expect(await schedulerIds()).toEqual(expect.arrayContaining([a.id, b.id]));

    await sut.http.delete('/v1/workflows/sched-delete').set(as).expect(200);
    await waitFor(
      async () => {
        const rows = await sut.db.query('SELECT id FROM schedules WHERE project_id = ?', [
          'sched-delete',
        ]);
        const ids = await schedulerIds();
        return rows.length === 0 && !ids.includes(a.id) && !ids.includes(b.id);
      },
      { what: 'the schedules to be removed', failFast: true },
    );
    await sut.http.get(`/v1/schedules/${a.id}`).set(as).expect(404);
    await sut.http.get('/v1/workflows/sched-delete/schedules').set(as).expect(404);
  });
});

import { ExecutionStatus } from '../apps/api/src/execution/entities/execution.entity';
import { ExecutionQueue } from '../apps/api/src/execution/execution.queue';
import { TestApp, startTestApp } from './support/app';
import { executionLogRows, executionRow, waitForExecution } from './support/executions';
import { bearer, createKey, upsertWorkflow } from './support/fixtures';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { openSse } from './support/sse';
import { executionJobs } from './support/queues';

const LOG_LIMIT = 5;
const SYNC_TIMEOUT_MS = 3000;

describe('Execution life cycle (e2e, robot over HTTP)', () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  let aliceKey: string;
  let bobKey: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 50 });
    sut = await startTestApp({
      ...robotHttpEnv(sim),
      EXECUTION_LOG_LIMIT: String(LOG_LIMIT),
      SYNC_EXECUTE_TIMEOUT_MS: String(SYNC_TIMEOUT_MS),
      LOG_LEVEL: 'error',
    });
    aliceKey = await createKey(sut.url, 'alice');
    bobKey = await createKey(sut.url, 'bob');
    await upsertWorkflow(sut.url, 'alice', 'wf-a');
    await upsertWorkflow(sut.url, 'alice', 'wf-b');
    await upsertWorkflow(sut.url, 'alice', 'wf-off', { status: 0 });
    await upsertWorkflow(sut.url, 'bob', 'wf-bob');
  });
  afterAll(async () => {
    await sut?.close();
    await sim?.close();
  });

  const postAs = (key: string, path: string) => sut.http.post(path).set(bearer(key));
  /** Checks the `{executionId}` answer of an async start, then waits for the run to end. */
  const endOfStarted = (body: { data?: { executionId?: string } }) => {
    expect(body).toEqual({ code: '0000', msg: '', data: { executionId: expect.any(String) } });
    return waitForExecution(sut.db, body.data!.executionId!);
  };
  const jobCount = async () => {
    const counts = await executionJobs(sut.app).getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  const rowCount = async () =>
    Number((await sut.db.query('SELECT COUNT(*) AS n FROM executions'))[0].n);

  describe('POST /v1/executions', () => {
    it('should run an execution to COMPLETED and record result, task, times, progress and bounded logs', async () => {
      const params = {
        month: '2026-10',
        __sim: { delay_ms: 300, progress_steps: 4, log_lines: LOG_LIMIT + 3 },
      };
      const started = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'wf-a', params, reference: 'life-1' })
        .expect(202);
      expect(started.body).toMatchObject({
        code: '0000',
        data: {
          execution: {
            project_id: 'wf-a',
            user_id: 'alice',
            status: 'PENDING',
            parameters: params,
            exec_position: 'EXECUTOR',
            progress: 0,
            robot_task_id: null,
            trigger: 'api',
            reference: 'life-1',
            end_time: null,
          },
        },
      });
      const id = started.body.data.execution.id as string;

      const row = await waitForExecution(sut.db, id);
      expect(row).toMatchObject({
        status: ExecutionStatus.Completed,
        result: { data: { month: '2026-10' } },
        error: null,
        error_code: null,
        progress: 100,
      });
      expect(row.robot_task_id).toEqual(expect.any(String));
      expect(row.start_time).toBeInstanceOf(Date);
      expect(row.end_time).toBeInstanceOf(Date);
      expect(row.end_time!.getTime()).toBeGreaterThanOrEqual(row.start_time!.getTime());
      // The robot got exactly one task, with the run's inputs, and finished it.
      expect(sim.createCalls.get(id)).toBe(1);
      expect(sim.task(row.robot_task_id!)).toMatchObject({
        project_id: 'wf-a',
        params,
        exec_position: 'EXECUTOR',
        status: 'COMPLETED',
      });

      // At most EXECUTION_LOG_LIMIT lines are stored, the first ones, in order.
      const logs = await executionLogRows(sut.db, id);
      expect(logs.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(logs[0]).toMatchObject({ level: 'info', message: `step 1 of ${LOG_LIMIT + 3}` });

      const got = await sut.http.get(`/v1/executions/${id}`).set(bearer(aliceKey)).expect(200);
      expect(got.body.data.execution).toMatchObject({
        id,
        status: 'COMPLETED',
        result: { data: { month: '2026-10' } },
        progress: 100,
        error_code: null,
        robot_task_id: row.robot_task_id,
        start_time: row.start_time!.toISOString(),
        end_time: row.end_time!.toISOString(),
      });
      // The user header reads it too (user or key).
      await sut.http.get(`/v1/executions/${id}`).set('X-User-Id', 'alice').expect(200);

      const logPage = await sut.http
        .get(`/v1/executions/${id}/logs`)
        .set(bearer(aliceKey))
        .query({ pageSize: 2, pageNo: 2 })
        .expect(200);
      expect(logPage.body.data.total).toBe(LOG_LIMIT);
      expect(logPage.body.data.records).toEqual([
        expect.objectContaining({ seq: 3, level: 'info', message: `step 3 of ${LOG_LIMIT + 3}` }),
        expect.objectContaining({ seq: 4 }),
      ]);
    });

    it('should answer the first execution for a repeated Idempotency-Key of the same user only', async () => {
      const key = `idem-${Date.now()}`;
      const first = await postAs(aliceKey, '/v1/executions')
        .set('Idempotency-Key', key)
        .send({ project_id: 'wf-a', params: { n: 1 } })
        .expect(202);
      const again = await postAs(aliceKey, '/v1/executions')
        .set('Idempotency-Key', key)
        .send({ project_id: 'wf-a', params: { n: 1 } })
        .expect(202);
      const id = first.body.data.execution.id as string;
      expect(again.body.data.execution.id).toBe(id);

      const bobs = await postAs(bobKey, '/v1/executions')
        .set('Idempotency-Key', key)
        .send({ project_id: 'wf-bob' })
        .expect(202);
      const bobId = bobs.body.data.execution.id as string;
      expect(bobId).not.toBe(id);
      expect(bobs.body.data.execution).toMatchObject({ user_id: 'bob', project_id: 'wf-bob' });

      await waitForExecution(sut.db, id);
      await waitForExecution(sut.db, bobId);
      const rows = await sut.db.query(
        'SELECT user_id, status FROM executions WHERE idempotency_key = ? ORDER BY user_id',
        [key],
      );
      expect(rows).toEqual([
        { user_id: 'alice', status: 'COMPLETED' },
        { user_id: 'bob', status: 'COMPLETED' },
      ]);
      expect(sim.createCalls.get(id)).toBe(1);
      expect(sim.createCalls.get(bobId)).toBe(1);

      // The key cannot be reused for another request: another workflow or other params.
      const other = await postAs(aliceKey, '/v1/executions')
        .set('Idempotency-Key', key)
        .send({ project_id: 'wf-b' })
        .expect(409);
      expect(other.body).toMatchObject({ code: '5001', error: 'IDEMPOTENCY_CONFLICT' });
      const otherParams = await postAs(aliceKey, '/v1/executions')
        .set('Idempotency-Key', key)
        .send({ project_id: 'wf-a', params: { n: 2 } })
        .expect(409);
      expect(otherParams.body).toMatchObject({ error: 'IDEMPOTENCY_CONFLICT', data: null });
    });

    it('should start one execution for concurrent requests with the same Idempotency-Key', async () => {
      const key = `race-${Date.now()}`;
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          postAs(aliceKey, '/v1/executions')
            .set('Idempotency-Key', key)
            .send({ project_id: 'wf-a' }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
      const ids = new Set(answers.map((a) => a.body.data.execution.id as string));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      await waitForExecution(sut.db, id);
      expect(sim.createCalls.get(id)).toBe(1);
      const rows = await sut.db.query('SELECT id FROM executions WHERE idempotency_key = ?', [key]);
      expect(rows).toEqual([{ id }]);

      const invalid = await postAs(aliceKey, '/v1/executions')
        .set('Idempotency-Key', 'has space')
        .send({ project_id: 'wf-a' })
        .expect(400);
      expect(invalid.body).toMatchObject({ code: '5001', error: 'VALIDATION_FAILED' });
    });
  });

  describe('when the queue refuses the job', () => {
    afterEach(() => vi.restoreAllMocks());

    it('should answer 503 and end the row as FAILED, leaving nothing PENDING', async () => {
      const queue = sut.app.get(ExecutionQueue);
      vi.spyOn(queue, 'enqueue').mockRejectedValueOnce(new Error('redis is down'));
      const reference = `no-queue-${Date.now()}`;
      const res = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'wf-a', reference })
        .expect(503);
      expect(res.body).toMatchObject({ code: '5001', error: 'SERVICE_UNAVAILABLE' });
      const rows = await sut.db.query(
        'SELECT id, status, error, error_code, end_time FROM executions WHERE reference = ?',
        [reference],
      );
      expect(rows).toEqual([
        {
          id: expect.any(String),
          status: 'FAILED',
          error: 'The execution could not be queued',
          error_code: 'queue_unavailable',
          end_time: expect.any(Date),
        },
      ]);
      expect(await queue.state(rows[0].id)).toBe('unknown');
    });
  });

  describe('POST /v1/workflows/{project_id}/execute-async', () => {
    it('should answer 202 {executionId} and run it to COMPLETED', async () => {
      const res = await postAs(aliceKey, '/v1/workflows/wf-a/execute-async')
        .send({ params: { x: 1 }, exec_position: 'NODE-2' })
        .expect(202);
      const row = await endOfStarted(res.body);
      expect(row).toMatchObject({
        status: 'COMPLETED',
        exec_position: 'NODE-2',
        result: { data: { x: 1 } },
      });
      expect(sim.task(row.robot_task_id!)?.exec_position).toBe('NODE-2');
    });
  });

  describe('POST /v1/workflows/{project_id}/execute', () => {
    it('should answer 200 {execution} when the run ended in time', async () => {
      const res = await postAs(aliceKey, '/v1/workflows/wf-a/execute')
        .send({ params: { y: 2 } })
        .expect(200);
      expect(res.body.data.execution).toMatchObject({
        status: 'COMPLETED',
        result: { data: { y: 2 } },
        progress: 100,
      });
      expect(res.body.data.execution.end_time).toEqual(expect.any(String));
    });

    it('should answer 202 {execution} when still running after wait_ms, and the run goes on', async () => {
      const res = await postAs(aliceKey, '/v1/workflows/wf-a/execute')
        .send({ params: { __sim: { delay_ms: 1500 } }, wait_ms: 100 })
        .expect(202);
      const { execution } = res.body.data;
      expect(['PENDING', 'RUNNING']).toContain(execution.status);
      expect(execution.end_time).toBeNull();
      const row = await waitForExecution(sut.db, execution.id);
      expect(row.status).toBe('COMPLETED');
    });

    it('should answer 404 for an absent workflow and 409 for an inactive one', async () => {
      const absent = await postAs(aliceKey, '/v1/workflows/nope/execute').send({}).expect(404);
      expect(absent.body).toMatchObject({ code: '5001', error: 'WORKFLOW_NOT_FOUND' });
      const inactive = await postAs(aliceKey, '/v1/workflows/wf-off/execute-async')
        .send({})
        .expect(409);
      expect(inactive.body).toMatchObject({ code: '5001', error: 'WORKFLOW_INACTIVE' });
    });
  });

  describe('legacy routes', () => {
    it('should answer POST /workflows/execute with 200 {execution} once ended', async () => {
      const res = await postAs(aliceKey, '/workflows/execute')
        .send({ project_id: 'wf-a', params: '{"z":3}' })
        .expect(200);
      expect(res.body).toMatchObject({
        code: '0000',
        data: { execution: { status: 'COMPLETED', result: { data: { z: 3 } } } },
      });
    });

    it('should answer POST /workflows/execute with 200 {execution} while still running', async () => {
      const res = await postAs(aliceKey, '/workflows/execute')
        .send({ project_id: 'wf-a', params: { __sim: { hang: true } } })
        .expect(200);
      const { execution } = res.body.data;
      expect(res.body.code).toBe('0000');
      expect(['PENDING', 'RUNNING']).toContain(execution.status);
      await sut.http
        .post(`/v1/executions/${execution.id}/cancel`)
        .set(bearer(aliceKey))
        .expect(200);
      const row = await waitForExecution(sut.db, execution.id);
      expect(row).toMatchObject({
        status: 'CANCELLED',
        error: 'Cancelled',
        error_code: 'cancelled',
      });
    });

    it('should answer POST /workflows/execute-async with HTTP 202 {executionId}', async () => {
      const res = await postAs(aliceKey, '/workflows/execute-async')
        .send({ project_id: 'wf-a', params: { w: 4 } })
        .expect(202);
      const row = await endOfStarted(res.body);
      expect(row).toMatchObject({ status: 'COMPLETED', result: { data: { w: 4 } } });
    });

    it('should answer business errors with HTTP 200 and code 5001, and start nothing', async () => {
      const rows = await rowCount();
      const jobs = await jobCount();
      for (const path of ['/workflows/execute', '/workflows/execute-async']) {
        const absent = await postAs(aliceKey, path).send({ project_id: 'nope' }).expect(200);
        expect(absent.body).toMatchObject({
          code: '5001',
          data: null,
          error: 'WORKFLOW_NOT_FOUND',
          request_id: expect.any(String),
        });
        const inactive = await postAs(aliceKey, path).send({ project_id: 'wf-off' }).expect(200);
        expect(inactive.body).toMatchObject({ code: '5001', error: 'WORKFLOW_INACTIVE' });
        const foreign = await postAs(aliceKey, path).send({ project_id: 'wf-bob' }).expect(200);
        expect(foreign.body).toMatchObject({ code: '5001', error: 'WORKFLOW_NOT_FOUND' });
        // Validation and auth keep their statuses.
        const invalid = await postAs(aliceKey, path).send({}).expect(400);
        expect(invalid.body).toMatchObject({ code: '5001', error: 'VALIDATION_FAILED' });
        await sut.http.post(path).send({ project_id: 'wf-a' }).expect(401);
      }
      expect(await rowCount()).toBe(rows);
      expect(await jobCount()).toBe(jobs);
    });
  });

  describe('refused starts', () => {
    it('should refuse an inactive, absent or foreign workflow without a row or a job', async () => {
      const rows = await rowCount();
      const jobs = await jobCount();
      const creates = sim.createCalls.size;

      const inactive = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'wf-off' })
        .expect(409);
      expect(inactive.body).toMatchObject({ code: '5001', error: 'WORKFLOW_INACTIVE' });
      const absent = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'nope' })
        .expect(404);
      expect(absent.body).toMatchObject({ code: '5001', error: 'WORKFLOW_NOT_FOUND' });
      await postAs(aliceKey, '/v1/executions').send({ project_id: 'wf-bob' }).expect(404);
      await sut.http.post('/v1/workflows/wf-bob/execute-async').set(bearer(aliceKey)).expect(404);
      await sut.http.post('/v1/workflows/wf-bob/execute').set(bearer(aliceKey)).expect(404);

      expect(await rowCount()).toBe(rows);
      expect(await jobCount()).toBe(jobs);
      expect(sim.createCalls.size).toBe(creates);
    });
  });

  describe('GET /v1/executions', () => {
    it('should filter by project_id, status and reference with a real total', async () => {
      const reference = `batch-${Date.now()}`;
      const ids: string[] = [];
      for (const project_id of ['wf-a', 'wf-a', 'wf-b']) {
        const res = await postAs(aliceKey, '/v1/executions')
          .send({ project_id, reference })
          .expect(202);
        ids.push(res.body.data.execution.id);
      }
      const failing = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'wf-b', reference, params: { __sim: { fail: 'boom' } } })
        .expect(202);
      ids.push(failing.body.data.execution.id);
      for (const id of ids) await waitForExecution(sut.db, id);

      const list = (query: Record<string, string | number>) =>
        sut.http.get('/v1/executions').set(bearer(aliceKey)).query(query).expect(200);

      const all = await list({ reference });
      expect(all.body.data.total).toBe(4);
      expect(all.body.data.records.map((r: { id: string }) => r.id).sort()).toEqual(
        [...ids].sort(),
      );
      const paged = await list({ reference, pageSize: 1, pageNo: 2 });
      expect(paged.body.data.total).toBe(4);
      expect(paged.body.data.records).toHaveLength(1);

      const byProject = await list({ reference, project_id: 'wf-b' });
      expect(byProject.body.data.total).toBe(2);
      expect(
        byProject.body.data.records.every((r: { project_id: string }) => r.project_id === 'wf-b'),
      ).toBe(true);

      const failed = await list({ reference, status: 'FAILED' });
      expect(failed.body.data.total).toBe(1);
      expect(failed.body.data.records[0]).toMatchObject({
        id: failing.body.data.execution.id,
        status: 'FAILED',
        error: 'Robot task failed: boom',
        error_code: 'robot_error',
      });
      const completedB = await list({ reference, status: 'COMPLETED', project_id: 'wf-b' });
      expect(completedB.body.data.total).toBe(1);

      // Only the caller's own executions, and a real total over all of them.
      const aliceTotal = Number(
        (await sut.db.query('SELECT COUNT(*) AS n FROM executions WHERE user_id = ?', ['alice']))[0]
          .n,
      );
      const everything = await list({ pageSize: 1 });
      expect(everything.body.data.total).toBe(aliceTotal);
      const bobs = await sut.http
        .get('/v1/executions')
        .set(bearer(bobKey))
        .query({ reference })
        .expect(200);
      expect(bobs.body.data).toEqual({ total: 0, records: [] });

      await sut.http
        .get('/v1/executions')
        .set(bearer(aliceKey))
        .query({ status: 'DONE' })
        .expect(400);
    });
  });

  describe('ownership and authentication', () => {
    let aliceExecution: string;
    beforeAll(async () => {
      const res = await postAs(aliceKey, '/v1/executions')
        .send({ project_id: 'wf-a', params: { __sim: { log_lines: 2 } } })
        .expect(202);
      aliceExecution = res.body.data.execution.id;
      await waitForExecution(sut.db, aliceExecution);
    });

    it("should answer 404 for another user's execution on every route", async () => {
      const asBob = [
        sut.http.get(`/v1/executions/${aliceExecution}`).set(bearer(bobKey)),
        sut.http.get(`/v1/executions/${aliceExecution}`).set('X-User-Id', 'bob'),
        sut.http.post(`/v1/executions/${aliceExecution}/cancel`).set(bearer(bobKey)),
        sut.http.get(`/v1/executions/${aliceExecution}/logs`).set(bearer(bobKey)),
      ];
      for (const res of await Promise.all(asBob)) {
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ code: '5001', data: null, error: 'EXECUTION_NOT_FOUND' });
      }
      const events = await openSse(`${sut.url}/v1/executions/${aliceExecution}/events`, {
        headers: bearer(bobKey),
      });
      await events.ended;
      expect(events.status).toBe(404);
      expect(JSON.parse(events.events[0].data)).toMatchObject({ error: 'EXECUTION_NOT_FOUND' });

      // Untouched by bob's cancel.
      expect((await executionRow(sut.db, aliceExecution))?.status).toBe('COMPLETED');
      // An unknown id looks the same.
      await sut.http
        .get('/v1/executions/00000000-0000-4000-8000-000000000000')
        .set(bearer(bobKey))
        .expect(404);
    });

    it('should answer 401 without credentials', async () => {
      for (const res of await Promise.all([
        sut.http.get(`/v1/executions/${aliceExecution}`),
        sut.http.get('/v1/executions'),
        sut.http.post(`/v1/executions/${aliceExecution}/cancel`),
        sut.http.get(`/v1/executions/${aliceExecution}/logs`),
        sut.http.get(`/v1/executions/${aliceExecution}/events`),
        sut.http
          .get(`/v1/executions/${aliceExecution}`)
          .set('Authorization', 'Bearer rpa_not_a_key'),
      ])) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ code: '5001', error: 'UNAUTHENTICATED' });
      }
    });

    it('should require an API key on every start route (the user header alone is 401)', async () => {
      const rows = await rowCount();
      const starts = [
        sut.http.post('/v1/executions').send({ project_id: 'wf-a' }),
        sut.http.post('/v1/workflows/wf-a/execute-async').send({}),
        sut.http.post('/v1/workflows/wf-a/execute').send({}),
        sut.http.post('/workflows/execute').send({ project_id: 'wf-a' }),
        sut.http.post('/workflows/execute-async').send({ project_id: 'wf-a' }),
        sut.http.post('/rpa/v1/exec').send({ project_id: 'wf-a' }),
      ];
      for (const res of await Promise.all(starts.map((r) => r.set('X-User-Id', 'alice')))) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ code: '5001', error: 'UNAUTHENTICATED' });
      }
      expect(await rowCount()).toBe(rows);
    });
  });

  it('should have left no execution PENDING or RUNNING', async () => {
    const active = await sut.db.query(
      "SELECT id, status FROM executions WHERE status IN ('PENDING', 'RUNNING')",
    );
    expect(active).toEqual([]);
  });
});

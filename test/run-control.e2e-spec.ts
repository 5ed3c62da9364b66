import { randomUUID } from 'node:crypto';
import { ExecutionEventLog } from '../apps/api/src/execution/execution-event.log';
import { TestApp, startTestApp } from './support/app';
import { createKey, upsertWorkflow } from './support/fixtures';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';
import { executionJobs } from './support/queues';

const ADMIN = 'admin-token-for-run-control-tests';

describe('Run control (e2e)', () => {
  let sut: TestApp;
  let key: string;
  const user = 'run-control-user';

  const waitEnded = (id: string) =>
    waitFor(
      async () => {
        const res = await sut.http
          .get(`/v1/executions/${id}`)
          .set('Authorization', `Bearer ${key}`);
        return res.body.data.execution;
      },
      {
        what: `execution ${id} to end`,
        accept: (execution) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(execution.status),
        failFast: true,
      },
    );

  beforeAll(async () => {
    sut = await startTestApp({
      EXECUTION_CONCURRENCY: '1',
      SIM_DELAY_MS: '100',
      ADMIN_TOKEN: ADMIN,
    });
    key = await createKey(sut.http, user, { name: 'all' });
    await upsertWorkflow(sut.http, user, 'plain', { name: 'Plain' });
    await upsertWorkflow(sut.http, user, 'typed', {
      name: 'Typed',
      parameters: {
        type: 'object',
        properties: {
          month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
          count: { type: 'integer', minimum: 1 },
        },
        required: ['month'],
        additionalProperties: false,
      },
    });
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('should start a priority-1 run before five priority-10 runs queued earlier', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    // Nothing is handed out while the queue is paused: the runs queue up in it.
    const queue = executionJobs(sut.app);
    await queue.pause();
    const low: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await sut.http
        .post('/v1/executions')
        .set(auth)
        .send({ project_id: 'plain', priority: 10, reference: `low-${i}` })
        .expect(202);
      low.push(res.body.data.execution.id);
    }
    const high = (
      await sut.http
        .post('/v1/executions')
        .set(auth)
        .send({ project_id: 'plain', priority: 1, reference: 'high' })
        .expect(202)
    ).body.data.execution.id as string;

    await queue.resume();
    const ended = await Promise.all([high, ...low].map(waitEnded));
    const startOf = (e: { start_time: string }) => Date.parse(e.start_time);
    for (const lowRun of ended.slice(1)) expect(startOf(ended[0])).toBeLessThan(startOf(lowRun));
    expect(ended[0].priority).toBe(1);

    const filtered = await sut.http.get('/v1/executions?reference=high').set(auth).expect(200);
    expect(filtered.body.data.total).toBe(1);
    expect(filtered.body.data.records[0].id).toBe(high);
  });

  it('should refuse params that break the workflow schema, naming each path, and start nothing', async () => {
    const queue = executionJobs(sut.app);
    const [{ n: rowsBefore }] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');
    const jobsBefore = await queue.getJobCountByTypes(
      'waiting',
      'prioritized',
      'active',
      'completed',
      'failed',
      'delayed',
    );

    const res = await sut.http
      .post('/v1/executions')
      .set('Authorization', `Bearer ${key}`)
      .send({ project_id: 'typed', params: { month: 'June', count: 0, extra: true } })
      .expect(400);
    expect(res.body).toMatchObject({ code: '5001', error: 'VALIDATION_FAILED', data: null });
    const fields = res.body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['params.count', 'params.extra', 'params.month']);

    const missing = await sut.http
      .post('/v1/workflows/typed/execute-async')
      .set('Authorization', `Bearer ${key}`)
      .send({ params: {} })
      .expect(400);
    expect(missing.body.details).toEqual([
      { field: 'params.month', errors: [expect.stringContaining('month')] },
    ]);

    const [{ n: rowsAfter }] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');
    expect(Number(rowsAfter)).toBe(Number(rowsBefore));
    expect(
      await queue.getJobCountByTypes(
        'waiting',
        'prioritized',
        'active',
        'completed',
        'failed',
        'delayed',
      ),
    ).toBe(jobsBefore);

    const ok = await sut.http
      .post('/v1/executions')
      .set('Authorization', `Bearer ${key}`)
      .send({ project_id: 'typed', params: { month: '2026-10', count: 2 } })
      .expect(202);
    const ended = await waitEnded(ok.body.data.execution.id);
    expect(ended).toMatchObject({
      status: 'COMPLETED',
      result: { data: { month: '2026-10', count: 2 } },
    });
  });

  it('should refuse to store a workflow whose parameters are not a valid JSON Schema', async () => {
    const res = await sut.http
      .post('/v1/workflows/upsert')
      .set('X-User-Id', user)
      .send({
        project_id: 'broken',
        name: 'Broken',
        parameters: { type: 'object', properties: { a: { type: 'nope' } } },
      })
      .expect(400);
    expect(res.body.details[0].field).toBe('parameters');
    expect(await sut.db.query("SELECT * FROM workflows WHERE project_id = 'broken'")).toEqual([]);
  });

  it('should retry an ended run as a new linked run with the same inputs, and refuse while it runs', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const first = (
      await sut.http
        .post('/v1/executions')
        .set(auth)
        .send({
          project_id: 'plain',
          params: { a: 1 },
          exec_position: 'CLOUD',
          priority: 3,
          reference: 'r-1',
          timeout_ms: 60_000,
        })
        .expect(202)
    ).body.data.execution;
    const running = await sut.http.post(`/v1/executions/${first.id}/retry`).set(auth);
    if (running.status === 409) expect(running.body.error).toBe('CONFLICT');
    await waitEnded(first.id);

    const retried = (await sut.http.post(`/v1/executions/${first.id}/retry`).set(auth).expect(202))
      .body.data.execution;
    expect(retried).toMatchObject({
      retry_of: first.id,
      trigger: 'retry',
      project_id: 'plain',
      parameters: { a: 1 },
      exec_position: 'CLOUD',
      priority: 3,
      reference: 'r-1',
      timeout_ms: 60_000,
    });
    expect(retried.id).not.toBe(first.id);
    expect((await waitEnded(retried.id)).status).toBe('COMPLETED');
    const [row] = await sut.db.query('SELECT retry_of, `trigger` FROM executions WHERE id = ?', [
      retried.id,
    ]);
    expect(row).toEqual({ retry_of: first.id, trigger: 'retry' });

    const hanging = (
      await sut.http
        .post('/v1/executions')
        .set(auth)
        .send({ project_id: 'plain', params: { __sim: { hang: true } } })
        .expect(202)
    ).body.data.execution;
    const refused = await sut.http.post(`/v1/executions/${hanging.id}/retry`).set(auth).expect(409);
    expect(refused.body.error).toBe('CONFLICT');
    await sut.http.post(`/v1/executions/${hanging.id}/cancel`).set(auth).expect(200);
  });

  it('should resume an SSE stream with Last-Event-ID and deliver exactly the missed events', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const execution = (
      await sut.http
        .post('/v1/executions')
        .set(auth)
        .send({
          project_id: 'plain',
          params: { __sim: { delay_ms: 2500, progress_steps: 5, log_lines: 4 } },
        })
        .expect(202)
    ).body.data.execution;
    const url = `${sut.url}/v1/executions/${execution.id}/events`;

    // First connection: the snapshot and two live events, then the client drops.
    const firstStream = await openSse(url, {
      headers: auth,
      stopWhen: (events) => events.length >= 3,
    });
    expect(firstStream.status).toBe(200);
    await firstStream.ended;
    const first = firstStream.events;
    expect(first[0].event).toBe('snapshot');
    const lastSeen = first[first.length - 1].id as string;
    expect(lastSeen).toMatch(/^\d+-\d+$/);
    await new Promise((r) => setTimeout(r, 700));

    const secondStream = await openSse(url, { headers: { ...auth, 'Last-Event-ID': lastSeen } });
    expect(secondStream.status).toBe(200);
    await secondStream.ended;
    const second = secondStream.events;
    expect(second.length).toBeGreaterThan(0);
    expect(second.some((e) => e.event === 'snapshot')).toBe(false);
    expect(JSON.parse(second[second.length - 1].data).type).toBe('execution.completed');

    const stored = await sut.app.get(ExecutionEventLog).since(execution.id, lastSeen);
    expect(second.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    const ids = [...first.slice(1), ...second].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Events reach clients without the fields that only route them.
    for (const event of secondStream.json()) {
      expect(Object.keys(event)).not.toContain('user_id');
      expect(Object.keys(event)).not.toContain('has_callback');
    }
  });

  it('should forbid starting runs with a read-only key on every start route, and refuse expired keys', async () => {
    const readOnly = (
      await sut.http
        .post('/v1/api-keys')
        .set('X-User-Id', user)
        .send({ name: 'reader', scopes: ['read'] })
        .expect(201)
    ).body.data;
    expect(readOnly.scopes).toEqual(['read']);
    const auth = { Authorization: `Bearer ${readOnly.api_key}` };
    const starts: Array<[string, object]> = [
      ['/v1/executions', { project_id: 'plain' }],
      ['/v1/workflows/plain/execute', {}],
      ['/v1/workflows/plain/execute-async', {}],
      ['/workflows/execute', { project_id: 'plain' }],
      ['/workflows/execute-async', { project_id: 'plain' }],
      ['/rpa/v1/exec', { project_id: 'plain' }],
    ];
    const [{ n: before }] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');
    for (const [path, body] of starts) {
      const res = await sut.http.post(path).set(auth).send(body);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 403,
        error: 'FORBIDDEN',
      });
    }
    const [{ n: after }] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');
    expect(Number(after)).toBe(Number(before));
    await sut.http.get('/v1/executions').set(auth).expect(200);

    const listed = await sut.http.get('/v1/api-keys').set('X-User-Id', user).expect(200);
    expect(
      listed.body.data.records.find((k: { id: number }) => k.id === readOnly.id),
    ).toMatchObject({
      scopes: ['read'],
      expires_at: null,
    });

    const soon = new Date(Date.now() + 1500).toISOString();
    const expiring = (
      await sut.http
        .post('/v1/api-keys')
        .set('X-User-Id', user)
        .send({ name: 'short', expires_at: soon })
        .expect(201)
    ).body.data;
    await sut.http
      .get('/v1/executions')
      .set('Authorization', `Bearer ${expiring.api_key}`)
      .expect(200);
    await waitFor(
      async () =>
        (await sut.http.get('/v1/executions').set('Authorization', `Bearer ${expiring.api_key}`))
          .status,
      {
        what: 'the expired key to be refused',
        accept: (status) => status === 401,
        timeoutMs: 10_000,
        failFast: true,
      },
    );
    const expired = await sut.http
      .get('/v1/executions')
      .set('Authorization', `Bearer ${expiring.api_key}`)
      .expect(401);
    expect(expired.body.error).toBe('UNAUTHENTICATED');

    await sut.http
      .post('/v1/api-keys')
      .set('X-User-Id', user)
      .send({ name: 'past', expires_at: new Date(Date.now() - 1000).toISOString() })
      .expect(400);
  });

  it('should prune old ended runs with their logs and keep running and recent ones', async () => {
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const insert = async (status: string, endTime: Date | null) => {
      const id = randomUUID();
      await sut.db.query(
        'INSERT INTO executions (id, project_id, user_id, status, parameters, created_at, end_time) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [id, 'plain', user, status, '{}', old, endTime],
      );
      await sut.db.query(
        'INSERT INTO execution_logs (execution_id, seq, message) VALUES (?, 1, ?), (?, 2, ?)',
        [id, 'a', id, 'b'],
      );
      return id;
    };
    const oldCompleted = await insert('COMPLETED', old);
    const oldFailed = await insert('FAILED', old);
    const stillRunning = await insert('RUNNING', null);
    const recent = await insert('COMPLETED', new Date());

    await sut.http.post('/admin/prune').set('Authorization', `Bearer ${key}`).expect(401);
    const res = await sut.http
      .post('/admin/prune')
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    expect(res.body.data).toMatchObject({ executions: 2, logs: 4, batches: 1 });

    const remaining = (
      await sut.db.query('SELECT id FROM executions WHERE id IN (?)', [
        [oldCompleted, oldFailed, stillRunning, recent],
      ])
    ).map((r: { id: string }) => r.id);
    expect(remaining.sort()).toEqual([stillRunning, recent].sort());
    const logs = await sut.db.query(
      'SELECT DISTINCT execution_id FROM execution_logs WHERE execution_id IN (?)',
      [[oldCompleted, oldFailed]],
    );
    expect(logs).toEqual([]);
    await sut.db.query('DELETE FROM executions WHERE id = ?', [stillRunning]);
  });
});

import { ExecutionStatus } from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { expectError, invalidFields, okData } from './support/envelope';
import { waitForExecution, hasStatus } from './support/executions';
import { bearer, createKey, upsertWorkflow } from './support/fixtures';

const ALICE = { 'X-User-Id': 'alice' };

describe('Legacy surface (e2e)', () => {
  let sut: TestApp;
  let aliceKey: string;

  beforeAll(async () => {
    sut = await startTestApp();
    aliceKey = await createKey(sut.http, 'alice');
    await upsertWorkflow(sut.http, 'alice', 'run-me');
  });
  afterAll(async () => {
    await sut?.close();
  });

  const legacyUpsert = (body: object, headers: Record<string, string> = ALICE) =>
    sut.http.post('/workflows/upsert').set(headers).send(body);
  const row = async (projectId: string) =>
    (
      (await sut.db.query('SELECT * FROM workflows WHERE project_id = ?', [projectId])) as Array<
        Record<string, unknown>
      >
    )[0];

  describe('POST /workflows/upsert', () => {
    it('should keep the fields a later upsert leaves out (a status toggle keeps the MCP name)', async () => {
      const schema = { type: 'object', properties: { month: { type: 'string' } } };
      await legacyUpsert({
        project_id: 'merge-1',
        name: 'Invoices',
        english_name: 'invoices',
        description: 'Downloads invoices',
        version: 3,
        status: 1,
        parameters: JSON.stringify(schema),
      }).expect(200);

      const toggled = await legacyUpsert({ project_id: 'merge-1', status: 0 }).expect(200);

      expect(okData(toggled)).toMatchObject({
        action: 'updated',
        workflow: {
          name: 'Invoices',
          english_name: 'invoices',
          description: 'Downloads invoices',
          version: '3',
          status: 0,
          parameters: schema,
        },
      });
    });

    it("should read '' as not given and null as clearing an optional field", async () => {
      await legacyUpsert({
        project_id: 'merge-2',
        name: 'Keep me',
        english_name: 'keep_me',
        description: 'to be cleared',
      }).expect(200);

      await legacyUpsert({
        project_id: 'merge-2',
        name: '',
        english_name: '',
        description: null,
        parameters: '',
      }).expect(200);

      expect(await row('merge-2')).toMatchObject({
        name: 'Keep me',
        english_name: 'keep_me',
        description: null,
        parameters: null,
      });
    });

    it('should ignore unknown fields and a numeric project_id, as the front end sends them', async () => {
      const res = await legacyUpsert({
        project_id: 4242,
        name: 'Numbers',
        user_id: 'alice',
        created_at: '2026-01-01T00:00:00Z',
        example_project_id: null,
        anything: { nested: true },
      }).expect(200);

      expect(okData(res).workflow).toMatchObject({ project_id: '4242', name: 'Numbers' });
    });

    it('should answer a project_id of another user with 200 and code 5001, changing nothing', async () => {
      await legacyUpsert({ project_id: 'owned', name: 'Alice owns it' }).expect(200);

      const res = await legacyUpsert({ project_id: 'owned', name: 'Bob' }, { 'X-User-Id': 'bob' });

      expectError(res, 200, 'CONFLICT');
      expect(await row('owned')).toMatchObject({ user_id: 'alice', name: 'Alice owns it' });
    });

    it.each([
      ['a number', 5],
      ['a JSON string of a number', '5'],
      ['text that is not JSON', 'not json'],
      ['a list of numbers', [1, 2]],
    ])('should refuse parameters given as %s with 400 and store nothing', async (_, parameters) => {
      const res = await legacyUpsert({ project_id: 'bad-params', name: 'X', parameters });

      expect(invalidFields(res)).toEqual(['parameters']);
      expect(await row('bad-params')).toBeUndefined();
    });

    it('should refuse oversized fields with 400, never a 500', async () => {
      const res = await legacyUpsert({
        project_id: 'p'.repeat(101),
        name: 'n'.repeat(101),
        description: 'd'.repeat(501),
      });

      expect(invalidFields(res)).toEqual(['description', 'name', 'project_id']);
    });
  });

  describe('GET /workflows/get', () => {
    it('should answer {workflow: null} for an absent ?project_id= and ignore unknown parameters', async () => {
      const res = await sut.http
        .get('/workflows/get?project_id=nothing-here&_t=1700000000&sortBy=name')
        .set(ALICE)
        .expect(200);

      expect(res.body).toEqual({ code: '0000', msg: '', data: { workflow: null } });
    });

    it('should list with total, personal_total and public_total', async () => {
      const data = okData(await sut.http.get('/workflows/get?_t=1').set(ALICE).expect(200));

      expect(data.total).toBeGreaterThan(0);
      expect(data.personal_total).toBe(data.total);
      expect(data.public_total).toBe(0);
      expect(data.records.length).toBe(data.total);
    });
  });

  describe('executions', () => {
    it('should read RUNNING as PENDING, and a cancelled run as FAILED with "cancelled"', async () => {
      const started = await sut.http
        .post('/workflows/execute-async')
        .set(bearer(aliceKey))
        .send({ project_id: 'run-me', params: { __sim: { hang: true } }, unknown_field: 1 })
        .expect(202);
      const id = started.body.data.executionId as string;
      await waitForExecution(sut.db, id, hasStatus(ExecutionStatus.Running));

      const running = await sut.http.get(`/executions/${id}`).set(bearer(aliceKey)).expect(200);
      await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(aliceKey)).expect(200);
      const cancelled = await sut.http.get(`/executions/${id}`).set(bearer(aliceKey)).expect(200);

      expect(okData(running).execution.status).toBe('PENDING');
      expect(okData(cancelled).execution).toMatchObject({ status: 'FAILED' });
      expect(okData(cancelled).execution.error).toMatch(/^cancelled/);
      // The legacy shape is frozen: the code /v1 adds is not part of it.
      expect(okData(cancelled).execution).not.toHaveProperty('error_code');
      const modern = await sut.http.get(`/v1/executions/${id}`).set(bearer(aliceKey));
      expect(okData(modern).execution).toMatchObject({
        status: 'CANCELLED',
        error: 'Cancelled',
        error_code: 'cancelled',
      });
    });

    it('should answer an unknown execution with 200 and code 5001', async () => {
      const res = await sut.http
        .get('/executions/00000000-0000-4000-8000-000000000000')
        .set(bearer(aliceKey));

      expectError(res, 200, 'EXECUTION_NOT_FOUND');
    });

    it('should list executions in the legacy page shape, 10 by default', async () => {
      const data = okData(
        await sut.http.get('/executions/get?_t=5').set(bearer(aliceKey)).expect(200),
      );

      expect(data).toMatchObject({ pageNo: 1, pageSize: 10 });
      expect(data.total_pages).toBe(Math.ceil(data.total / 10));
      expect(data.executions.length).toBeGreaterThan(0);
      expect(['PENDING', 'COMPLETED', 'FAILED']).toEqual(
        expect.arrayContaining([
          ...new Set(data.executions.map((e: { status: string }) => e.status)),
        ]),
      );
    });

    it('should take the newer fields: idempotency_key, execution_timeout, version, recording_config', async () => {
      const body = {
        project_id: 'run-me',
        params: { a: 1 },
        idempotency_key: 'order 42 (with spaces)',
        execution_timeout: 86400,
        version: 7,
        recording_config: '{"enabled":false}',
        profile_revision: 'r1',
        capability_class: 'json-data',
        phone_number: null,
      };
      const first = await sut.http
        .post('/workflows/execute-async')
        .set(bearer(aliceKey))
        .send(body);
      const again = await sut.http
        .post('/workflows/execute-async')
        .set(bearer(aliceKey))
        .send(body);

      expect(first.status).toBe(202);
      expect(again.body.data.executionId).toBe(first.body.data.executionId);
      const run = await waitForExecution(sut.db, first.body.data.executionId as string);
      expect(Number(run.timeout_ms)).toBe(300000);
    });

    it.each([
      ['params that are not an object', { params: [1, 2] }, 'params'],
      ['params as a JSON string of a list', { params: '[1]' }, 'params'],
      ['a phone_number', { phone_number: '13800000000' }, 'phone_number'],
      ['an execution_timeout over a day', { execution_timeout: 86401 }, 'execution_timeout'],
      [
        'an idempotency_key over 200 characters',
        { idempotency_key: 'k'.repeat(201) },
        'idempotency_key',
      ],
    ])('should refuse %s with 400 and start nothing', async (_, extra, field) => {
      const before = (await sut.db.query('SELECT COUNT(*) AS n FROM executions'))[0].n;
      const res = await sut.http
        .post('/workflows/execute-async')
        .set(bearer(aliceKey))
        .send({ project_id: 'run-me', ...extra });

      expect(invalidFields(res)).toEqual([field]);
      expect((await sut.db.query('SELECT COUNT(*) AS n FROM executions'))[0].n).toBe(before);
    });
  });

  describe('auth', () => {
    it("should ignore the gateway's own Bearer token and use the user header", async () => {
      const res = await sut.http
        .get('/workflows/get')
        .set({ Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.session.token', user_id: 'alice' })
        .expect(200);

      expect(okData(res).records.every((w: { user_id: string }) => w.user_id === 'alice')).toBe(
        true,
      );
    });

    it('should still refuse a wrong API key, user header or not', async () => {
      const fake = 'rpa_AAAAAAAAAAAA_' + 'A'.repeat(43);
      expectError(
        await sut.http.get('/workflows/get').set({ ...bearer(fake), user_id: 'alice' }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('should accept user ids such as owner/name and UUIDs, and refuse white space', async () => {
      for (const userId of ['owner/name', '5f0c7d3e-8a1b-4c2d-9e3f-1a2b3c4d5e6f', '用户42']) {
        await sut.http
          .get('/workflows/get')
          .set('X-User-Id', encodeURIComponent(userId))
          .expect(200);
      }
      const upserted = await legacyUpsert(
        { project_id: 'slashy', name: 'S' },
        {
          'X-User-Id': 'owner/name',
        },
      ).expect(200);
      expect(okData(upserted).workflow.user_id).toBe('owner/name');
      expectError(
        await sut.http.get('/workflows/get').set('X-User-Id', 'has space'),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('executor routes', () => {
    it('should answer remote-check false (5001) when no executor of the caller is connected', async () => {
      const res = await sut.http.get('/health/remote-check').set(bearer(aliceKey)).expect(200);

      expect(res.body).toEqual({
        code: '5001',
        msg: 'No executor of this user is connected',
        data: false,
      });
    });

    it('should compare the key owner with the user_id header on local-check', async () => {
      const same = await sut.http
        .get('/health/local-check')
        .set({ ...bearer(aliceKey), user_id: 'alice' })
        .expect(200);
      const other = await sut.http
        .get('/health/local-check')
        .set({ ...bearer(aliceKey), user_id: 'bob' })
        .expect(200);

      expect(same.body).toMatchObject({ code: '0000', data: { equality: true } });
      expect(other.body).toMatchObject({ code: '5001', data: { equality: false } });
    });

    it('should answer stop-current with success and nothing to stop', async () => {
      const res = await sut.http.post('/workflows/stop-current').set(bearer(aliceKey)).expect(202);

      expect(res.body).toMatchObject({ code: '0000', data: {} });
    });
  });
});

import { TestApp, startTestApp } from './support/app';
import { expectError, invalidFields, okData } from './support/envelope';

const ALICE = { 'X-User-Id': 'alice' };
const BOB = { 'X-User-Id': 'bob' };

describe('Workflows (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(async () => {
    await sut?.close();
  });
  beforeEach(async () => {
    await sut.db.query('DELETE FROM workflows');
  });

  const upsert = (headers: Record<string, string>, body: object) =>
    sut.http.post('/v1/workflows/upsert').set(headers).send(body);

  const rows = () =>
    sut.db.query(
      'SELECT project_id, user_id, name, status, parameters FROM workflows ORDER BY project_id',
    ) as Promise<Array<Record<string, unknown>>>;

  /** Creates workflows `${prefix}1..n` for a user; odd ones active, even ones inactive. */
  async function seed(headers: Record<string, string>, prefix: string, n: number) {
    for (let i = 1; i <= n; i++) {
      await upsert(headers, { project_id: `${prefix}${i}`, name: `WF ${i}`, status: i % 2 })
        .expect(200)
        .expect((res) => expect(res.body.code).toBe('0000'));
    }
  }

  describe('POST /v1/workflows/upsert', () => {
    it('should create then update a workflow by project_id', async () => {
      const created = await upsert(ALICE, {
        project_id: 'inv-1',
        name: 'Invoices',
        english_name: 'invoices',
        description: 'Downloads invoices',
      }).expect(200);

      expect(okData(created)).toMatchObject({
        action: 'created',
        workflow: {
          project_id: 'inv-1',
          name: 'Invoices',
          english_name: 'invoices',
          description: 'Downloads invoices',
          version: '1.0.0',
          status: 1,
          parameters: null,
          user_id: 'alice',
        },
      });
      expect(created.body.data.workflow.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

      const updated = await upsert(ALICE, {
        project_id: 'inv-1',
        name: 'Invoices v2',
        version: '2.0.0',
        status: 0,
      }).expect(200);

      expect(okData(updated)).toMatchObject({
        action: 'updated',
        workflow: { project_id: 'inv-1', name: 'Invoices v2', version: '2.0.0', status: 0 },
      });
      expect(await rows()).toEqual([
        { project_id: 'inv-1', user_id: 'alice', name: 'Invoices v2', status: 0, parameters: null },
      ]);
    });

    it('should store a numeric project_id as a string', async () => {
      const res = await upsert(ALICE, { project_id: 42, name: 'Numbers' }).expect(200);

      expect(okData(res).workflow.project_id).toBe('42');
      await sut.http.get('/v1/workflows/42').set(ALICE).expect(200);
      expect(await rows()).toMatchObject([{ project_id: '42', user_id: 'alice' }]);
    });

    it('should accept parameters as an object or as a JSON string of one', async () => {
      const schema = { type: 'object', properties: { month: { type: 'string' } } };

      const asObject = await upsert(ALICE, { project_id: 'p-obj', name: 'A', parameters: schema });
      const asString = await upsert(ALICE, {
        project_id: 'p-str',
        name: 'B',
        parameters: JSON.stringify(schema),
      });

      expect(okData(asObject).workflow.parameters).toEqual(schema);
      expect(okData(asString).workflow.parameters).toEqual(schema);
      const stored = await rows();
      expect(stored.map((r) => r.parameters)).toEqual([schema, schema]);
    });

    it.each([
      ['a JSON string of an array', '[1,2]'],
      ['a string that is not JSON', 'not json'],
      ['a JSON string of a string', '"schema"'],
      ['an array', [{ type: 'object' }]],
      ['a number', 5],
      ['a boolean', true],
    ])('should refuse parameters given as %s with 400', async (_, parameters) => {
      const res = await upsert(ALICE, { project_id: 'bad', name: 'Bad', parameters });

      expect(invalidFields(res)).toEqual(['parameters']);
      expect(await rows()).toEqual([]);
    });

    it('should list every invalid field in details', async () => {
      const res = await upsert(ALICE, {
        project_id: 'x'.repeat(101),
        name: '',
        english_name: 'e'.repeat(101),
        description: 'd'.repeat(501),
        version: 'v'.repeat(21),
        status: 2,
        unexpected: true,
      });

      expect(invalidFields(res)).toEqual([
        'description',
        'english_name',
        'name',
        'project_id',
        'status',
        'unexpected',
        'version',
      ]);
      expect(await rows()).toEqual([]);
    });

    it('should require project_id and name', async () => {
      const res = await upsert(ALICE, {});

      expect(invalidFields(res)).toEqual(['name', 'project_id']);
    });

    it.each([
      ['a slash', 'a/b'],
      ['a leading space', ' a'],
      ['a control character', 'a\u0001b'],
    ])('should refuse a project_id with %s', async (_, projectId) => {
      const res = await upsert(ALICE, { project_id: projectId, name: 'X' });

      expect(invalidFields(res)).toEqual(['project_id']);
    });

    it('should refuse a body user_id that is not the caller', async () => {
      const res = await upsert(ALICE, { project_id: 'u1', name: 'X', user_id: 'bob' });

      expect(invalidFields(res)).toEqual(['user_id']);
      expect(await rows()).toEqual([]);
    });

    it('should answer a project_id owned by another user with 409 CONFLICT', async () => {
      await upsert(ALICE, { project_id: 'shared', name: 'Alice owns it' }).expect(200);

      const res = await upsert(BOB, { project_id: 'shared', name: 'Bob wants it' });

      expectError(res, 409, 'CONFLICT');
      expect(JSON.stringify(res.body)).not.toContain('Alice owns it');
      expect(await rows()).toMatchObject([
        { project_id: 'shared', user_id: 'alice', name: 'Alice owns it' },
      ]);
    });

    it('should answer 401 without credentials and change nothing', async () => {
      const res = await sut.http.post('/v1/workflows/upsert').send({ project_id: 'n', name: 'N' });

      expectError(res, 401, 'UNAUTHENTICATED');
      expect(await rows()).toEqual([]);
    });

    it('should answer 401 for a malformed user id', async () => {
      const res = await upsert({ 'X-User-Id': 'not a valid id' }, { project_id: 'n', name: 'N' });

      expectError(res, 401, 'UNAUTHENTICATED');
    });

    it('should honour the user_id header spelling too', async () => {
      const res = await upsert({ user_id: 'carol' }, { project_id: 'c1', name: 'C' }).expect(200);

      expect(okData(res).workflow.user_id).toBe('carol');
    });
  });

  describe('GET /v1/workflows', () => {
    it('should list only the caller workflows with the total of all matches', async () => {
      await seed(ALICE, 'a', 5);
      await seed(BOB, 'b', 2);

      const res = await sut.http.get('/v1/workflows').set(ALICE).expect(200);

      const data = okData(res);
      expect(data.total).toBe(5);
      expect(data.records.map((w: { project_id: string }) => w.project_id).sort()).toEqual([
        'a1',
        'a2',
        'a3',
        'a4',
        'a5',
      ]);
      expect(data.records.every((w: { user_id: string }) => w.user_id === 'alice')).toBe(true);
    });

    it('should filter by status', async () => {
      await seed(ALICE, 'a', 5);

      const active = okData(await sut.http.get('/v1/workflows?status=1').set(ALICE).expect(200));
      const inactive = okData(await sut.http.get('/v1/workflows?status=0').set(ALICE).expect(200));

      expect(active.total).toBe(3);
      expect(active.records.every((w: { status: number }) => w.status === 1)).toBe(true);
      expect(inactive.total).toBe(2);
      expect(inactive.records.every((w: { status: number }) => w.status === 0)).toBe(true);
    });

    it('should page with pageNo and pageSize while total counts every match', async () => {
      await seed(ALICE, 'a', 5);

      const pages = [];
      for (const pageNo of [1, 2, 3, 4]) {
        const res = await sut.http.get(`/v1/workflows?pageNo=${pageNo}&pageSize=2`).set(ALICE);
        pages.push(okData(res));
      }

      expect(pages.map((p) => p.total)).toEqual([5, 5, 5, 5]);
      expect(pages.map((p) => p.records.length)).toEqual([2, 2, 1, 0]);
      const ids = pages.flatMap((p) => p.records.map((w: { project_id: string }) => w.project_id));
      expect(new Set(ids).size).toBe(5);
    });

    it('should default to 20 records a page', async () => {
      await seed(ALICE, 'a', 21);

      const data = okData(await sut.http.get('/v1/workflows').set(ALICE).expect(200));

      expect(data.total).toBe(21);
      expect(data.records).toHaveLength(20);
    });

    it.each([
      ['pageNo=0', ['pageNo']],
      ['pageSize=0', ['pageSize']],
      ['pageSize=101', ['pageSize']],
      ['pageNo=x&pageSize=1.5', ['pageNo', 'pageSize']],
      ['status=2', ['status']],
      ['unknown=1', ['unknown']],
      ['_t=1700000000', ['_t']],
    ])('should refuse %s with 400', async (query, fields) => {
      const res = await sut.http.get(`/v1/workflows?${query}`).set(ALICE);

      expect(invalidFields(res)).toEqual(fields);
    });

    it('should answer 401 without credentials', async () => {
      expectError(await sut.http.get('/v1/workflows'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('GET /v1/workflows/{project_id}', () => {
    it('should answer the caller workflow', async () => {
      await seed(ALICE, 'a', 1);

      const res = await sut.http.get('/v1/workflows/a1').set(ALICE).expect(200);

      expect(okData(res).workflow).toMatchObject({ project_id: 'a1', user_id: 'alice' });
    });

    it('should answer 404 WORKFLOW_NOT_FOUND for an absent workflow', async () => {
      expectError(
        await sut.http.get('/v1/workflows/nothing').set(ALICE),
        404,
        'WORKFLOW_NOT_FOUND',
      );
    });

    it('should answer 404 for another user workflow and never its data', async () => {
      await upsert(BOB, { project_id: 'bobs', name: 'Secret plan' }).expect(200);

      const res = await sut.http.get('/v1/workflows/bobs').set(ALICE);

      expectError(res, 404, 'WORKFLOW_NOT_FOUND');
      expect(JSON.stringify(res.body)).not.toContain('Secret plan');
    });

    it('should answer 401 without credentials', async () => {
      expectError(await sut.http.get('/v1/workflows/a1'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('DELETE /v1/workflows/{project_id}', () => {
    it('should delete the caller workflow', async () => {
      await seed(ALICE, 'a', 2);

      const res = await sut.http.delete('/v1/workflows/a1').set(ALICE).expect(200);

      expect(okData(res)).toBeNull();
      expect((await rows()).map((r) => r.project_id)).toEqual(['a2']);
      await sut.http.get('/v1/workflows/a1').set(ALICE).expect(404);
    });

    it('should answer 404 for another user workflow and keep it', async () => {
      await seed(BOB, 'b', 1);

      expectError(await sut.http.delete('/v1/workflows/b1').set(ALICE), 404, 'WORKFLOW_NOT_FOUND');
      expect(await rows()).toMatchObject([{ project_id: 'b1', user_id: 'bob' }]);
    });

    it('should answer 404 for an absent workflow', async () => {
      expectError(
        await sut.http.delete('/v1/workflows/none').set(ALICE),
        404,
        'WORKFLOW_NOT_FOUND',
      );
    });

    it('should answer 401 without credentials and keep the workflow', async () => {
      await seed(ALICE, 'a', 1);

      expectError(await sut.http.delete('/v1/workflows/a1'), 401, 'UNAUTHENTICATED');
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('GET /workflows/get (legacy)', () => {
    it('should list the caller workflows as {total, records}', async () => {
      await seed(ALICE, 'a', 3);
      await seed(BOB, 'b', 1);

      const data = okData(await sut.http.get('/workflows/get?pageSize=2').set(ALICE).expect(200));

      expect(data.total).toBe(3);
      expect(data.records).toHaveLength(2);
      expect(data.records.every((w: { user_id: string }) => w.user_id === 'alice')).toBe(true);
    });

    it('should answer {workflow} for ?project_id=', async () => {
      await seed(ALICE, 'a', 2);

      const res = await sut.http.get('/workflows/get?project_id=a2').set(ALICE).expect(200);

      expect(okData(res)).toEqual({ workflow: expect.objectContaining({ project_id: 'a2' }) });
    });

    it('should answer {workflow: null} with code 0000 for an absent or foreign ?project_id=', async () => {
      await seed(BOB, 'b', 1);

      const absent = await sut.http.get('/workflows/get?project_id=none').set(ALICE).expect(200);
      const foreign = await sut.http.get('/workflows/get?project_id=b1').set(ALICE).expect(200);

      expect(absent.body).toEqual({ code: '0000', msg: '', data: { workflow: null } });
      expect(foreign.body).toEqual({ code: '0000', msg: '', data: { workflow: null } });
    });

    it('should refuse an invalid query with 400', async () => {
      const res = await sut.http.get('/workflows/get?pageSize=500').set(ALICE);

      expect(invalidFields(res)).toEqual(['pageSize']);
    });

    it('should answer 401 without credentials', async () => {
      expectError(await sut.http.get('/workflows/get'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('a workflow whose project_id is "get"', () => {
    it('should be reachable under /v1 and through the legacy routes', async () => {
      await upsert(ALICE, { project_id: 'get', name: 'Named get' }).expect(200);

      const modern = okData(await sut.http.get('/v1/workflows/get').set(ALICE).expect(200));
      const legacyList = okData(await sut.http.get('/workflows/get').set(ALICE).expect(200));
      const legacyOne = okData(await sut.http.get('/workflows/get/get').set(ALICE).expect(200));
      await sut.http.delete('/v1/workflows/get').set(ALICE).expect(200);

      expect(modern.workflow.project_id).toBe('get');
      expect(legacyList).toMatchObject({ total: 1, records: [{ project_id: 'get' }] });
      expect(legacyOne.workflow.project_id).toBe('get');
      expect(await rows()).toEqual([]);
    });
  });

  describe('GET /workflows/get/{project_id} (legacy)', () => {
    it('should answer {workflow}', async () => {
      await seed(ALICE, 'a', 1);

      const res = await sut.http.get('/workflows/get/a1').set(ALICE).expect(200);

      expect(okData(res).workflow).toMatchObject({ project_id: 'a1', user_id: 'alice' });
    });

    it('should answer null with code 0000 for an absent or foreign workflow', async () => {
      await upsert(BOB, { project_id: 'bobs', name: 'Secret plan' }).expect(200);

      const absent = await sut.http.get('/workflows/get/none').set(ALICE).expect(200);
      const foreign = await sut.http.get('/workflows/get/bobs').set(ALICE).expect(200);

      expect(absent.body).toEqual({ code: '0000', msg: '', data: null });
      expect(foreign.body).toEqual({ code: '0000', msg: '', data: null });
    });

    it('should answer 401 without credentials', async () => {
      expectError(await sut.http.get('/workflows/get/a1'), 401, 'UNAUTHENTICATED');
    });
  });
});

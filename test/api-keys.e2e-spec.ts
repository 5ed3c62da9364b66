import { createHmac } from 'node:crypto';
import { TestApp, startTestApp } from './support/app';
import { columnsContaining } from './support/db';
import { expectError, invalidFields, okData } from './support/envelope';
import { bearer, createKeyWithId } from './support/fixtures';
import { waitFor } from './support/wait';

const ALICE = { 'X-User-Id': 'alice' };
const BOB = { 'X-User-Id': 'bob' };
const KEY_SHAPE = /^rpa_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/;
/** `rpa_` and the 12-character id. */
const prefixOf = (key: string) => key.slice(0, 16);

interface KeyRow {
  id: number;
  user_id: string;
  name: string;
  prefix: string;
  hash: string;
  is_active: number;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

describe('API keys (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ API_KEY_TOUCH_FLUSH_MS: '100' });
  });
  afterAll(async () => {
    await sut?.close();
  });
  beforeEach(async () => {
    await sut.db.query('DELETE FROM api_keys');
    await sut.db.query('DELETE FROM workflows');
  });

  const keyRows = () => sut.db.query('SELECT * FROM api_keys ORDER BY id') as Promise<KeyRow[]>;
  const createKey = (as = ALICE, name = 'engine') =>
    createKeyWithId(sut.http, as['X-User-Id'], { name });

  describe('POST /v1/api-keys', () => {
    it('should answer 201 with the full key once and store only its prefix and HMAC', async () => {
      const res = await sut.http
        .post('/v1/api-keys')
        .set(ALICE)
        .send({ name: 'nightly' })
        .expect(201);

      const data = okData(res);
      expect(data).toEqual({
        api_key: expect.stringMatching(KEY_SHAPE),
        id: expect.any(Number),
        name: 'nightly',
        prefix: expect.stringMatching(/^rpa_[A-Za-z0-9]{12}$/),
        scopes: ['read', 'execute', 'manage'],
        expires_at: null,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });
      expect(data.api_key.startsWith(`${data.prefix}_`)).toBe(true);
      const [row] = await keyRows();
      expect(row).toMatchObject({
        id: data.id,
        user_id: 'alice',
        name: 'nightly',
        prefix: data.prefix,
        is_active: 1,
        last_used_at: null,
        revoked_at: null,
      });
      expect(row.hash).toBe(
        createHmac('sha256', sut.env.API_KEY_PEPPER).update(data.api_key).digest('hex'),
      );
    });

    it('should never keep the key in clear in any column', async () => {
      const { key } = await createKey();
      await sut.http.get('/v1/workflows').set(bearer(key)).expect(200);

      await waitFor(async () => (await keyRows())[0].last_used_at !== null, {
        what: 'last_used_at',
      });

      expect(await columnsContaining(sut.db, key)).toEqual([]);
      expect(await columnsContaining(sut.db, key.slice(-43))).toEqual([]);
    });

    it('should accept scopes and a future expiry', async () => {
      const expires = new Date(Date.now() + 3_600_000).toISOString();

      const res = await sut.http
        .post('/v1/api-keys')
        .set(ALICE)
        .send({ name: 'reader', scopes: ['read'], expires_at: expires })
        .expect(201);

      expect(okData(res)).toMatchObject({ scopes: ['read'], expires_at: expires });
    });

    it.each([
      ['no name', {}, ['name']],
      ['an empty name', { name: '' }, ['name']],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, ['name']],
      ['a number as name', { name: 12 }, ['name']],
      ['an unknown scope', { name: 'k', scopes: ['admin'] }, ['scopes']],
      ['an expiry in the past', { name: 'k', expires_at: '2000-01-01T00:00:00Z' }, ['expires_at']],
      ['an unknown field', { name: 'k', owner: 'bob' }, ['owner']],
    ])('should refuse %s with 400 and create nothing', async (_, body, fields) => {
      const res = await sut.http.post('/v1/api-keys').set(ALICE).send(body);

      expect(invalidFields(res)).toEqual(fields);
      expect(await keyRows()).toEqual([]);
    });

    it('should answer 401 without the user header, even with a valid API key', async () => {
      const { key } = await createKey();

      expectError(await sut.http.post('/v1/api-keys').send({ name: 'k' }), 401, 'UNAUTHENTICATED');
      expectError(
        await sut.http.post('/v1/api-keys').set(bearer(key)).send({ name: 'k' }),
        401,
        'UNAUTHENTICATED',
      );
      expect(await keyRows()).toHaveLength(1);
    });
  });

  describe('GET /v1/api-keys', () => {
    it('should list the caller keys masked, newest first, with the total', async () => {
      const first = await createKey(ALICE, 'first');
      const second = await createKey(ALICE, 'second');
      await createKey(BOB, 'bobs');

      const res = await sut.http.get('/v1/api-keys').set(ALICE).expect(200);

      const data = okData(res);
      expect(data.total).toBe(2);
      expect(data.records.map((r: { id: number }) => r.id)).toEqual([second.id, first.id]);
      expect(data.records[1]).toEqual({
        id: first.id,
        api_key: `${prefixOf(first.key)}******`,
        name: 'first',
        scopes: ['read', 'execute', 'manage'],
        expires_at: null,
        createTime: expect.stringMatching(/Z$/),
        recentTime: null,
        last_used_at: null,
      });
      expect(JSON.stringify(res.body)).not.toContain(first.key);
      expect(JSON.stringify(res.body)).not.toContain(second.key);
    });

    it('should page and leave revoked keys out', async () => {
      const keys = [];
      for (const name of ['k1', 'k2', 'k3']) keys.push(await createKey(ALICE, name));
      await sut.http.delete(`/v1/api-keys/${keys[0].id}`).set(ALICE).expect(200);

      const page = okData(await sut.http.get('/v1/api-keys?pageNo=2&pageSize=1').set(ALICE));

      expect(page.total).toBe(2);
      expect(page.records.map((r: { name: string }) => r.name)).toEqual(['k2']);
    });

    it('should show the last use once it is recorded', async () => {
      const { key } = await createKey();
      await sut.http.get('/v1/workflows').set(bearer(key)).expect(200);

      const record = await waitFor(
        async () => {
          const [r] = okData(await sut.http.get('/v1/api-keys').set(ALICE)).records;
          return r.last_used_at !== null && r;
        },
        { what: 'last_used_at in the list' },
      );

      expect(record.recentTime).toBe(record.last_used_at);
      expect(Date.parse(record.last_used_at)).toBeGreaterThanOrEqual(Date.parse(record.createTime));
    });

    it('should refuse an invalid page with 400', async () => {
      expect(invalidFields(await sut.http.get('/v1/api-keys?pageSize=0').set(ALICE))).toEqual([
        'pageSize',
      ]);
    });

    it('should answer 401 without the user header', async () => {
      expectError(await sut.http.get('/v1/api-keys'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('DELETE /v1/api-keys/{id}', () => {
    it('should revoke the key (soft delete)', async () => {
      const { id } = await createKey();

      const res = await sut.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

      expect(okData(res)).toBeNull();
      const [row] = await keyRows();
      expect(row.is_active).toBe(0);
      expect(row.revoked_at).toBeInstanceOf(Date);
    });

    it('should answer 404 for another user key and leave it active', async () => {
      const { id } = await createKey(BOB);

      expectError(await sut.http.delete(`/v1/api-keys/${id}`).set(ALICE), 404, 'API_KEY_NOT_FOUND');
      expect((await keyRows())[0].is_active).toBe(1);
    });

    it('should answer 404 for a key already revoked or absent', async () => {
      const { id } = await createKey();
      await sut.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

      expectError(await sut.http.delete(`/v1/api-keys/${id}`).set(ALICE), 404, 'API_KEY_NOT_FOUND');
      expectError(
        await sut.http.delete('/v1/api-keys/999999').set(ALICE),
        404,
        'API_KEY_NOT_FOUND',
      );
    });

    it('should answer 400 for an id that is not a number', async () => {
      expectError(await sut.http.delete('/v1/api-keys/abc').set(ALICE), 400, 'VALIDATION_FAILED');
    });

    it('should answer 401 without the user header and keep the key', async () => {
      const { id, key } = await createKey();

      expectError(await sut.http.delete(`/v1/api-keys/${id}`), 401, 'UNAUTHENTICATED');
      expectError(
        await sut.http.delete(`/v1/api-keys/${id}`).set(bearer(key)),
        401,
        'UNAUTHENTICATED',
      );
      expect((await keyRows())[0].is_active).toBe(1);
    });
  });

  describe('legacy routes', () => {
    it('GET /api-keys/get should list the caller keys masked as {total, records}', async () => {
      const { key } = await createKey(ALICE, 'legacy');
      await createKey(BOB);

      const res = await sut.http.get('/api-keys/get').set(ALICE).expect(200);

      const data = okData(res);
      expect(data.total).toBe(1);
      expect(data.records[0]).toMatchObject({
        api_key: `${prefixOf(key)}******`,
        name: 'legacy',
      });
      expect(JSON.stringify(res.body)).not.toContain(key);
    });

    it('POST /api-keys/create should answer 201 with only the key', async () => {
      const res = await sut.http.post('/api-keys/create').set(ALICE).send({ name: 'old' });

      expect(res.status).toBe(201);
      expect(okData(res)).toEqual({ api_key: expect.stringMatching(KEY_SHAPE) });
      expect(await keyRows()).toMatchObject([{ user_id: 'alice', name: 'old', is_active: 1 }]);
    });

    it('POST /api-keys/create should refuse a bad body with 400', async () => {
      expect(
        invalidFields(await sut.http.post('/api-keys/create').set(ALICE).send({ name: '' })),
      ).toEqual(['name']);
    });

    it.each([
      ['a number', (id: number) => id],
      ['a numeric string', (id: number) => String(id)],
    ])('POST /api-keys/remove should revoke by id given as %s', async (_, asId) => {
      const { id } = await createKey();

      const res = await sut.http
        .post('/api-keys/remove')
        .set(ALICE)
        .send({ id: asId(id) });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ code: '0000', msg: '', data: null });
      expect((await keyRows())[0].is_active).toBe(0);
    });

    it.each([
      ['no id', {}],
      ['a word', { id: 'abc' }],
      ['a negative number', { id: -1 }],
      ['a fraction', { id: 1.5 }],
    ])('POST /api-keys/remove should refuse %s with 400', async (_, body) => {
      expect(invalidFields(await sut.http.post('/api-keys/remove').set(ALICE).send(body))).toEqual([
        'id',
      ]);
    });

    it('POST /api-keys/remove should answer another user key as a legacy business error (200, 5001)', async () => {
      const { id } = await createKey(BOB);

      const res = await sut.http.post('/api-keys/remove').set(ALICE).send({ id });

      expectError(res, 200, 'API_KEY_NOT_FOUND');
      expect((await keyRows())[0].is_active).toBe(1);
    });

    it.each([
      ['GET', '/api-keys/get'],
      ['POST', '/api-keys/create'],
      ['POST', '/api-keys/remove'],
    ])('%s %s should answer 401 without the user header', async (method, path) => {
      const res =
        method === 'GET'
          ? await sut.http.get(path)
          : await sut.http.post(path).send({ name: 'k', id: 1 });

      expectError(res, 401, 'UNAUTHENTICATED');
    });
  });

  describe('authenticating with a key', () => {
    it('should work right after creation and act as the key owner', async () => {
      await sut.http
        .post('/v1/workflows/upsert')
        .set(ALICE)
        .send({ project_id: 'a1', name: 'A' })
        .expect(200);
      const { key } = await createKey();

      const list = await sut.http.get('/v1/workflows').set(bearer(key)).expect(200);
      const upsert = await sut.http
        .post('/v1/workflows/upsert')
        .set(bearer(key))
        .send({ project_id: 'a2', name: 'B' })
        .expect(200);

      expect(okData(list).records).toMatchObject([{ project_id: 'a1', user_id: 'alice' }]);
      expect(okData(upsert).workflow.user_id).toBe('alice');
    });

    it('should act as the key owner even when X-User-Id names someone else', async () => {
      await sut.http.post('/v1/workflows/upsert').set(BOB).send({ project_id: 'b1', name: 'B' });
      const { key } = await createKey(ALICE);

      const res = await sut.http
        .get('/v1/workflows')
        .set({ ...bearer(key), ...BOB })
        .expect(200);

      expect(okData(res).total).toBe(0);
    });

    it('should stop working once revoked', async () => {
      const { id, key } = await createKey();
      await sut.http.get('/v1/workflows').set(bearer(key)).expect(200);

      await sut.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

      expectError(await sut.http.get('/v1/workflows').set(bearer(key)), 401, 'UNAUTHENTICATED');
    });

    it.each([
      ['an unknown key', `rpa_AbCdEfGhIjKl_${'a'.repeat(43)}`],
      ['a malformed key', 'not-a-key'],
    ])('should refuse %s with 401 even beside a user header', async (_, key) => {
      const res = await sut.http.get('/v1/workflows').set({ ...bearer(key), ...ALICE });

      expectError(res, 401, 'UNAUTHENTICATED');
    });

    it('should refuse a real prefix with a wrong secret', async () => {
      const { key } = await createKey();
      const forged = `${key.slice(0, 17)}${'A'.repeat(43)}`;

      expectError(await sut.http.get('/v1/workflows').set(bearer(forged)), 401, 'UNAUTHENTICATED');
    });

    it('should refuse a key used outside its scopes with 403', async () => {
      const res = await sut.http
        .post('/v1/api-keys')
        .set(ALICE)
        .send({ name: 'reader', scopes: ['read'] })
        .expect(201);
      const reader = bearer(res.body.data.api_key);

      await sut.http.get('/v1/workflows').set(reader).expect(200);
      expectError(
        await sut.http
          .post('/v1/workflows/upsert')
          .set(reader)
          .send({ project_id: 'r', name: 'R' }),
        403,
        'FORBIDDEN',
      );
    });

    it('should record the last use in the database', async () => {
      const { key } = await createKey();
      const before = Date.now();

      await sut.http.get('/v1/workflows').set(bearer(key)).expect(200);

      const row = await waitFor(
        async () => {
          const [r] = await keyRows();
          return r.last_used_at !== null && r;
        },
        { what: 'last_used_at to be written' },
      );
      expect(row.last_used_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    });
  });
});

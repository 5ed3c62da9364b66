import { TestApp, startTestApp } from './support/app';
import { expectError, okData } from './support/envelope';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ALICE = { 'X-User-Id': 'alice' };

describe('HTTP conventions (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ BODY_LIMIT: '2kb' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  describe('health', () => {
    it('GET /health should answer liveness without credentials', async () => {
      const res = await sut.http.get('/health').expect(200);

      expect(res.body).toEqual({ code: '0000', msg: '', data: { status: 'ok' } });
    });

    it('GET /health/ready should report MySQL, Redis and the robot service up', async () => {
      const res = await sut.http.get('/health/ready').expect(200);

      const up = { status: 'up', latency_ms: expect.any(Number) };
      expect(okData(res)).toEqual({ ready: true, checks: { mysql: up, redis: up, robot: up } });
    });
  });

  describe('documentation', () => {
    it('GET /docs should serve Swagger UI without credentials', async () => {
      const res = await sut.http.get('/docs').redirects(1).expect(200);

      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('Swagger UI');
    });

    it('GET /openapi.json should serve the OpenAPI document with every foundation route', async () => {
      const res = await sut.http.get('/openapi.json').expect(200);

      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.info.title).toBe('RPA OpenAPI Service');
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/workflows/upsert',
          '/v1/workflows',
          '/v1/workflows/{project_id}',
          '/workflows/get',
          '/workflows/get/{project_id}',
          '/v1/api-keys',
          '/v1/api-keys/{id}',
          '/api-keys/get',
          '/api-keys/create',
          '/api-keys/remove',
          '/health',
          '/health/ready',
        ]),
      );
      expect(res.body.paths['/v1/workflows/{project_id}']).toHaveProperty('delete');
    });

    it('should document exactly the legacy routes outside /v1 and the operational paths', async () => {
      const res = await sut.http.get('/openapi.json').expect(200);
      // `/` is the landing route (links to the docs), operational too.
      const operational = /^\/(v1|health|metrics|mcp|admin|dashboard|rpa\/v1\/exec)(\/|$)|^\/$/;

      const unprefixed = Object.entries(res.body.paths as Record<string, object>)
        .filter(([path]) => !operational.test(path))
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();

      expect(unprefixed).toEqual(
        [
          'POST /workflows/upsert',
          'GET /workflows/get',
          'GET /workflows/get/{project_id}',
          'POST /workflows/execute',
          'POST /workflows/execute-async',
          'GET /executions/{id}',
          'GET /executions/get',
          'POST /workflows/stop-current',
          'GET /api-keys/get',
          'POST /api-keys/create',
          'POST /api-keys/remove',
        ].sort(),
      );
    });

    it('should answer 404 on the unprefixed forms of the /v1 routes', async () => {
      const moved = [
        sut.http.get('/workflows').set(ALICE),
        sut.http.get('/workflows/p1').set(ALICE),
        sut.http.delete('/workflows/p1').set(ALICE),
        sut.http.get('/executions').set(ALICE),
        sut.http.post('/executions').set(ALICE).send({}),
        sut.http.get('/api-keys').set(ALICE),
        sut.http.post('/api-keys').set(ALICE).send({ name: 'k' }),
        sut.http.get('/webhooks').set(ALICE),
        sut.http.get('/schedules/1').set(ALICE),
      ];
      for (const res of await Promise.all(moved)) expectError(res, 404, 'NOT_FOUND');
    });
  });

  describe('errors', () => {
    it('should answer an unknown route with 404 in the envelope', async () => {
      expectError(await sut.http.get('/no/such/route'), 404, 'NOT_FOUND');
      expectError(await sut.http.put('/v1/workflows').set(ALICE), 404, 'NOT_FOUND');
    });

    it('should answer a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await sut.http
        .post('/v1/workflows/upsert')
        .set(ALICE)
        .send({ project_id: 'big', name: 'Big', description: 'x'.repeat(4096) });

      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(res.body.msg).toBe('Request body is too large');
      expect(await sut.db.query('SELECT * FROM workflows')).toEqual([]);
    });

    it('should answer malformed JSON with 400 and not quote the body back', async () => {
      const res = await sut.http
        .post('/v1/workflows/upsert')
        .set(ALICE)
        .set('Content-Type', 'application/json')
        .send('{"project_id": "p", secret-looking-text');

      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.msg).toBe('Request body is not valid JSON');
    });

    it('should answer a badly encoded path with 400 in the envelope', async () => {
      expectError(
        await sut.http.get('/v1/workflows/%E0%A4%A').set(ALICE),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('X-Request-ID', () => {
    it.each([
      ['letters, digits and ._-', 'Trace.abc_123-XYZ'],
      ['128 characters', 'r'.repeat(128)],
    ])('should echo a valid id made of %s', async (_, id) => {
      const res = await sut.http.get('/health').set('X-Request-ID', id).expect(200);

      expect(res.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['129 characters', 'r'.repeat(129)],
      ['a space', 'has space'],
      ['a slash', 'a/b'],
      ['a colon', 'a:b'],
    ])('should replace an id with %s by a UUID', async (_, id) => {
      const res = await sut.http.get('/health').set('X-Request-ID', id).expect(200);

      expect(res.headers['x-request-id']).toMatch(UUID);
    });

    it('should generate one when none is sent, on every kind of answer', async () => {
      const answers = await Promise.all([
        sut.http.get('/health'),
        sut.http.get('/v1/workflows'),
        sut.http.get('/openapi.json'),
        sut.http.get('/docs').redirects(1),
      ]);

      for (const res of answers) expect(res.headers['x-request-id']).toMatch(UUID);
      expect(new Set(answers.map((r) => r.headers['x-request-id'])).size).toBe(answers.length);
    });

    it('should put the request id in error envelopes', async () => {
      const given = await sut.http.get('/v1/workflows').set('X-Request-ID', 'err-trace-1');
      const generated = await sut.http.get('/nowhere').set('X-Request-ID', 'bad id');

      expectError(given, 401, 'UNAUTHENTICATED');
      expect(given.body.request_id).toBe('err-trace-1');
      expectError(generated, 404, 'NOT_FOUND');
      expect(generated.body.request_id).toMatch(UUID);
    });

    it('should put the request id in a 413 and a malformed JSON envelope', async () => {
      const tooLarge = await sut.http
        .post('/v1/api-keys')
        .set({ ...ALICE, 'X-Request-ID': 'big-1' })
        .send({ name: 'x'.repeat(4096) });
      const malformed = await sut.http
        .post('/v1/api-keys')
        .set({ ...ALICE, 'X-Request-ID': 'bad-json-1' })
        .set('Content-Type', 'application/json')
        .send('{');

      expect([tooLarge.status, tooLarge.body.request_id]).toEqual([413, 'big-1']);
      expect([malformed.status, malformed.body.request_id]).toEqual([400, 'bad-json-1']);
    });
  });
});

describe('Trusted user header (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ AUTH_TRUST_USER_HEADER: 'false' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it.each([
    ['GET', '/v1/workflows'],
    ['GET', '/workflows/get'],
    ['POST', '/v1/workflows/upsert'],
    ['GET', '/v1/api-keys'],
    ['POST', '/v1/api-keys'],
    ['GET', '/api-keys/get'],
    ['POST', '/api-keys/create'],
  ])('should ignore X-User-Id on %s %s when AUTH_TRUST_USER_HEADER=false', async (method, path) => {
    const req = method === 'GET' ? sut.http.get(path) : sut.http.post(path);

    const res = await req.set(ALICE).send({ project_id: 'p', name: 'n' });

    expectError(res, 401, 'UNAUTHENTICATED');
  });

  it('should ignore the user_id header spelling too, and create nothing', async () => {
    const res = await sut.http
      .post('/v1/workflows/upsert')
      .set('user_id', 'alice')
      .send({ project_id: 'p', name: 'n' });

    expectError(res, 401, 'UNAUTHENTICATED');
    expect(await sut.db.query('SELECT * FROM workflows')).toEqual([]);
    expect(await sut.db.query('SELECT * FROM api_keys')).toEqual([]);
  });
});

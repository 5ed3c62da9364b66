import request from 'supertest';
import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { createKey, startExecution, startRun, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';
import { executionJobs } from './support/queues';

const RATE = 4;
const CAP = 6;

describe('Limits across two api processes sharing Redis (e2e)', () => {
  const env = testEnv({
    APP_ROLE: 'api',
    RATE_LIMIT_START_PER_MINUTE: String(RATE),
    MAX_ACTIVE_EXECUTIONS_PER_USER: String(CAP),
    BODY_LIMIT: '4kb',
    LOG_LEVEL: 'warn',
  });
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    // One after the other: the first creates the database and runs the migrations.
    a = await spawnApi(env, { name: 'api-a' });
    b = await spawnApi(env, { name: 'api-b' });
    await upsertWorkflow(a.url, 'olga', 'p-limits');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropTestResources(env);
  });

  const countRows = async (userId: string): Promise<number> => {
    const res = await request(a.url)
      .get(`/v1/executions?pageSize=1`)
      .set('X-User-Id', userId)
      .expect(200);
    return res.body.data.total as number;
  };

  it('should hold one start budget per key across both processes and every start route', async () => {
    const key = await createKey(a.url, 'olga', { name: 'first' });
    const auth = `Bearer ${key}`;
    // Alternate processes and start routes: all draw from the same budget.
    const starts = [
      () => startExecution(a.url, key, 'p-limits'),
      () =>
        request(b.url)
          .post('/v1/workflows/p-limits/execute-async')
          .set('Authorization', auth)
          .send({}),
      () =>
        request(a.url)
          .post('/workflows/execute-async')
          .set('Authorization', auth)
          .send({ project_id: 'p-limits' }),
      () => startExecution(b.url, key, 'p-limits'),
    ];
    for (const start of starts) {
      const res = await start();
      expect(res.status).toBe(202);
      expect(Number(res.headers['x-ratelimit-limit'])).toBe(RATE);
    }

    for (const url of [a.url, b.url]) {
      const refused = await startExecution(url, key, 'p-limits');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: '5001', data: null, error: 'RATE_LIMITED' });
      expect(refused.body.request_id).toEqual(expect.any(String));
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // A legacy route keeps the true 429 (it is not a business error), as does the SSE route.
    const legacy = await request(b.url)
      .post('/workflows/execute')
      .set('Authorization', auth)
      .send({ project_id: 'p-limits' });
    expect(legacy.status).toBe(429);
    expect(legacy.body.error).toBe('RATE_LIMITED');
    const rpa = await request(a.url)
      .post('/rpa/v1/exec')
      .set('Authorization', auth)
      .send({ project_id: 'p-limits' });
    expect(rpa.status).toBe(429);
    expect(rpa.headers['content-type']).toMatch(/application\/json/);

    // Refused starts start nothing.
    expect(await countRows('olga')).toBe(RATE);
    // Reads are not limited.
    await request(b.url).get('/v1/executions').set('Authorization', auth).expect(200);
  });

  it('should cap a user’s PENDING+RUNNING executions across processes, whatever the key', async () => {
    // olga has RATE executions PENDING (no worker runs them); a second key has its own budget.
    const key = await createKey(b.url, 'olga', { name: 'second' });
    const room = CAP - (await countRows('olga'));
    expect(room).toBe(CAP - RATE);
    for (let i = 0; i < room; i++) {
      await startRun(i % 2 ? a.url : b.url, key, 'p-limits');
    }
    for (const url of [a.url, b.url]) {
      const refused = await startExecution(url, key, 'p-limits');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: 'RATE_LIMITED' });
      expect(refused.body.msg).toMatch(/active executions/);
    }
    expect(await countRows('olga')).toBe(CAP);

    // Another user is not affected.
    await upsertWorkflow(a.url, 'pete', 'p-pete');
    const pete = await createKey(a.url, 'pete');
    await startRun(b.url, pete, 'p-pete');

    // An execution that ends frees a slot (a fresh key: refused starts used this one's budget).
    const list = await request(a.url).get('/v1/executions?pageSize=1').set('X-User-Id', 'olga');
    const id = list.body.data.records[0].id as string;
    await request(b.url).post(`/v1/executions/${id}/cancel`).set('X-User-Id', 'olga').expect(200);
    const third = await createKey(a.url, 'olga', { name: 'third' });
    await startRun(a.url, third, 'p-limits');
    expect((await startExecution(b.url, third, 'p-limits')).body.msg).toMatch(/active executions/);
  });

  it('should refuse a body over BODY_LIMIT with 413 in the envelope', async () => {
    const key = await createKey(a.url, 'quinn');
    const res = await request(a.url)
      .post('/v1/executions')
      .set('Authorization', `Bearer ${key}`)
      .send({ project_id: 'p-limits', params: { blob: 'x'.repeat(8 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: '5001', error: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('Security headers and pages (e2e)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp({ ADMIN_TOKEN: 'admin-token-for-tests-0123456789' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should send helmet headers on API answers', async () => {
    const res = await sut.http.get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('should keep Swagger UI and Bull Board loadable under the content security policy', async () => {
    const docs = await sut.http.get('/docs').redirects(1).expect(200);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' https: 'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The pages load their scripts from this origin, which the policy allows.
    const scripts = [...docs.text.matchAll(/<script src=["']([^"']+)["']/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      await sut.http.get(new URL(src, `${sut.url}/docs`).pathname).expect(200);
    }
    expect(docs.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    const board = await sut.http
      .get('/admin/queues')
      .set('Authorization', 'Bearer admin-token-for-tests-0123456789')
      .expect(200);
    expect(board.text).not.toMatch(/<script(?![^>]*(src=|type="application\/json"))[^>]*>/);
  });
});

describe('Per-user cap in one process (e2e)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp({
      APP_ROLE: 'api',
      MAX_ACTIVE_EXECUTIONS_PER_USER: '2',
      RATE_LIMIT_START_PER_MINUTE: '0',
    });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should refuse the start over the cap with 429 and queue nothing', async () => {
    await upsertWorkflow(sut.http, 'rita', 'p-rita');
    const key = await createKey(sut.http, 'rita');
    await startRun(sut.http, key, 'p-rita');
    await request(sut.url)
      .post('/v1/workflows/p-rita/execute-async')
      .set('Authorization', `Bearer ${key}`)
      .send({})
      .expect(202);
    const refused = await startExecution(sut.http, key, 'p-rita').expect(429);
    expect(refused.body).toMatchObject({ code: '5001', error: 'RATE_LIMITED' });
    expect(await sut.db.getRepository(ExecutionEntity).countBy({ user_id: 'rita' })).toBe(2);
    expect(await executionJobs(sut.app).count()).toBe(2);
    // With the limit at 0, there is no rate limit (and no rate-limit headers).
    expect(refused.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

import Redis from 'ioredis';
import { TestApp, startTestApp } from './support/app';
import { expectError, okData } from './support/envelope';
import { ChildHandle, freePort, startRedisServer } from './support/process';
import { waitFor } from './support/wait';

/**
 * An api instance starts while its Redis is unreachable, reports itself not ready (naming
 * Redis) and becomes ready, subscriptions included, once Redis answers. (A worker started
 * that way schedules its housekeeping once Redis answers: maintenance-schedules.e2e-spec.ts.)
 */
describe('Readiness while Redis is down (e2e)', () => {
  let port: number;
  let sut: TestApp;
  let redisServer: ChildHandle | undefined;

  beforeAll(async () => {
    port = await freePort();
    sut = await startTestApp({ APP_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await sut?.close();
    await redisServer?.stop();
  });

  it('should answer readiness with 503 SERVICE_UNAVAILABLE naming redis', async () => {
    const res = await sut.http.get('/health/ready');

    expectError(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.body.msg).toMatch(/redis/);
    expect(res.body.msg).not.toMatch(/mysql/);
  });

  it('should stay alive and keep serving what needs only MySQL', async () => {
    await sut.http.get('/health').expect(200);
    const upsert = await sut.http
      .post('/v1/workflows/upsert')
      .set('X-User-Id', 'alice')
      .send({ project_id: 'p1', name: 'P' })
      .expect(200);

    expect(okData(upsert).action).toBe('created');
  });

  it('should become ready and subscribe once Redis comes back', async () => {
    redisServer = await startRedisServer(port);

    await waitFor(async () => (await sut.http.get('/health/ready')).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'readiness after Redis came back',
    });

    const res = await sut.http.get('/health/ready').expect(200);
    expect(okData(res).checks.redis.status).toBe('up');
    const probe = new Redis(port, '127.0.0.1');
    try {
      // Several features subscribe once Redis is back, one after another: wait for this one.
      const revoked = `${sut.env.REDIS_PREFIX}:api-keys:revoked`;
      const channels = await waitFor(
        async () => (await probe.pubsub('CHANNELS', `${sut.env.REDIS_PREFIX}:*`)) as string[],
        { what: 'the revocation subscription', accept: (list) => list.includes(revoked) },
      );
      expect(channels).toContain(revoked);
    } finally {
      probe.disconnect();
    }
  });
});

describe('Readiness while the robot service is down (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    const port = await freePort();
    sut = await startTestApp({
      ROBOT_MODE: 'http',
      ROBOT_BASE_URL: `http://127.0.0.1:${port}`,
      ROBOT_HTTP_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should stay ready and report the robot service down', async () => {
    const res = await sut.http.get('/health/ready').expect(200);

    expect(okData(res)).toMatchObject({
      ready: true,
      checks: {
        mysql: { status: 'up' },
        redis: { status: 'up' },
        robot: { status: 'down', error: expect.any(String) },
      },
    });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import Redis from 'ioredis';
import { WebhookRetention } from '../apps/api/src/webhook/webhook.retention';
import { deterministicUuid } from '../apps/api/src/webhook/webhook-signature';
import { TestApp, startTestApp } from './support/app';
import { createKey, upsertWorkflow } from './support/fixtures';
import { waitFor } from './support/wait';
import { ReceivedRequest, Receiver, startReceiver } from './support/webhook-receiver';

const USER = 'webhook-user';

/** What a receiver does (docs/webhooks.md): recompute the MAC of "<t>.<raw body>". */
function verify(secret: string, request: ReceivedRequest): boolean {
  const header = String(request.headers['x-rpa-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
  return fresh && timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}

async function seed(sut: TestApp, user: string, projectId: string): Promise<string> {
  const key = await createKey(sut.http, user, { name: 'k' });
  await upsertWorkflow(sut.http, user, projectId, { name: 'Hooked' });
  return key;
}

async function runToEnd(sut: TestApp, key: string, projectId: string, body: object = {}) {
  const started = await sut.http
    .post(`/v1/workflows/${projectId}/execute-async`)
    .set('Authorization', `Bearer ${key}`)
    .send(body)
    .expect(202);
  const id = started.body.data.executionId as string;
  return waitFor(
    async () =>
      (await sut.http.get(`/v1/executions/${id}`).set('X-User-Id', USER).expect(200)).body.data
        .execution,
    { what: `execution ${id} to end`, accept: (execution) => !!execution.end_time, failFast: true },
  );
}

async function createWebhook(sut: TestApp, url: string, events: string[], user = USER) {
  const res = await sut.http
    .post('/v1/webhooks')
    .set('X-User-Id', user)
    .send({ url, events, description: 'test' })
    .expect(201);
  return res.body.data as { id: string; secret: string; url: string; events: string[] };
}

interface DeliveryView {
  id: string;
  status: string;
  event_id: string;
  last_error: string | null;
  attempts: Array<{ attempt: number; status_code: number | null; error: string | null }>;
}

async function deliveriesOf(sut: TestApp, webhookId: string) {
  const res = await sut.http
    .get(`/v1/webhooks/${webhookId}/deliveries`)
    .set('X-User-Id', USER)
    .expect(200);
  return res.body.data as { total: number; records: DeliveryView[] };
}

async function settledDelivery(sut: TestApp, webhookId: string, attempts: number) {
  return waitFor(() => deliveriesOf(sut, webhookId), {
    what: `a settled delivery with ${attempts} attempts`,
    accept: (page) =>
      page.records.some((d) => d.status !== 'pending' && d.attempts.length >= attempts),
    failFast: true,
  });
}

describe('Webhooks (e2e)', () => {
  let sut: TestApp;
  let key: string;
  const receivers: Receiver[] = [];
  const receiver = async (status?: (n: number) => number) => {
    const r = await startReceiver(status);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    sut = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_BASE_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '4',
      WEBHOOK_MAX_PER_USER: '10',
    });
    key = await seed(sut, USER, 'wh-1');
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await sut?.close();
  });

  it('should deliver a correctly signed execution.completed event for a completed run', async () => {
    const target = await receiver();
    const hook = await createWebhook(sut, target.url, ['execution.completed']);
    expect(hook.secret).toMatch(/^whsec_/);

    const execution = await runToEnd(sut, key, 'wh-1', { params: { n: 1 } });
    const [request] = await target.waitFor(1);

    expect(verify(hook.secret, request)).toBe(true);
    expect(verify('whsec_wrong', request)).toBe(false);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-rpa-event']).toBe('execution.completed');
    const body = JSON.parse(request.body);
    // The REST execution, but for the fields added to REST since (deliveries keep their shape).
    const { error_code, ...delivered } = execution;
    expect(error_code).toBeNull();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'execution.completed',
      created_at: expect.any(String),
      data: { execution: delivered },
    });
    expect(body.data.execution).toMatchObject({ status: 'COMPLETED', parameters: { n: 1 } });

    const page = await settledDelivery(sut, hook.id, 1);
    expect(page.records).toHaveLength(1);
    expect(page.records[0]).toMatchObject({
      id: request.headers['x-rpa-delivery'],
      kind: 'webhook',
      event_id: body.id,
      event_type: 'execution.completed',
      execution_id: execution.id,
      status: 'succeeded',
      attempt_count: 1,
      attempts: [{ attempt: 1, status_code: 200, error: null }],
    });
  });

  it('should deliver only the subscribed lifecycle events, once each', async () => {
    const target = await receiver();
    await createWebhook(sut, target.url, [
      'execution.created',
      'execution.started',
      'execution.completed',
    ]);
    const execution = await runToEnd(sut, key, 'wh-1');
    await target.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    const types = target.requests
      .map((r) => JSON.parse(r.body))
      .filter((b) => b.data.execution.id === execution.id)
      .map((b) => b.type)
      .sort();
    expect(types).toEqual(['execution.completed', 'execution.created', 'execution.started']);
  });

  it('should retry a receiver that answers 500 twice, then log three attempts', async () => {
    const target = await receiver((n) => (n <= 2 ? 500 : 200));
    const hook = await createWebhook(sut, target.url, ['execution.completed']);
    await runToEnd(sut, key, 'wh-1');
    const requests = await target.waitFor(3);

    const ids = new Set(requests.map((r) => JSON.parse(r.body).id));
    expect(ids.size).toBe(1);
    expect(requests.every((r) => verify(hook.secret, r))).toBe(true);
    const page = await settledDelivery(sut, hook.id, 3);
    expect(page.records[0]).toMatchObject({
      status: 'succeeded',
      attempt_count: 3,
      last_status_code: 200,
      attempts: [
        { attempt: 1, status_code: 500, error: 'HTTP 500' },
        { attempt: 2, status_code: 500, error: 'HTTP 500' },
        { attempt: 3, status_code: 200, error: null },
      ],
    });
  });

  it('should mark a delivery failed after the last attempt, and redeliver it on request', async () => {
    const target = await receiver(() => 503);
    const hook = await createWebhook(sut, target.url, ['execution.completed']);
    await runToEnd(sut, key, 'wh-1');
    const page = await settledDelivery(sut, hook.id, 4);
    const failed = page.records[0];
    expect(failed).toMatchObject({ status: 'failed', attempt_count: 4, next_attempt_at: null });
    expect(target.requests).toHaveLength(4);

    target.respondWith(() => 200);
    const again = await sut.http
      .post(`/v1/webhooks/deliveries/${failed.id}/redeliver`)
      .set('X-User-Id', USER)
      .expect(202);
    const redelivery = again.body.data.delivery;
    expect(redelivery).toMatchObject({ status: 'pending', redelivery_of: failed.id });
    expect(redelivery.id).not.toBe(failed.id);

    const requests = await target.waitFor(5);
    const last = requests[4];
    expect(last.headers['x-rpa-delivery']).toBe(redelivery.id);
    expect(JSON.parse(last.body).id).toBe(failed.event_id);
    expect(last.body).toBe(requests[0].body);
    expect(verify(hook.secret, last)).toBe(true);
    const done = await waitFor(
      async () => {
        const res = await sut.http
          .get(`/v1/webhooks/deliveries/${redelivery.id}`)
          .set('X-User-Id', USER)
          .expect(200);
        return res.body.data.delivery;
      },
      {
        what: 'the redelivery to succeed',
        accept: (delivery) => delivery.status === 'succeeded',
        failFast: true,
      },
    );
    expect(done.attempts).toMatchObject([{ attempt: 1, status_code: 200 }]);
  });

  it('should send a signed webhook.test event', async () => {
    const target = await receiver();
    const hook = await createWebhook(sut, target.url, ['execution.failed']);
    const res = await sut.http
      .post(`/v1/webhooks/${hook.id}/test`)
      .set('Authorization', `Bearer ${key}`)
      .expect(202);
    const [request] = await target.waitFor(1);
    expect(request.headers['x-rpa-event']).toBe('webhook.test');
    expect(request.headers['x-rpa-delivery']).toBe(res.body.data.delivery.id);
    expect(verify(hook.secret, request)).toBe(true);
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'webhook.test',
      data: { webhook: { id: hook.id, url: target.url, events: ['execution.failed'] } },
    });
  });

  it("should deliver a run's final event to its callback_url, signed with the callback secret", async () => {
    const target = await receiver();
    const first = await sut.http
      .get('/v1/webhooks/callback-secret')
      .set('X-User-Id', USER)
      .expect(200);
    const secret = first.body.data.secret as string;
    const second = await sut.http
      .get('/v1/webhooks/callback-secret')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(second.body.data.secret).toBe(secret);

    const execution = await runToEnd(sut, key, 'wh-1', {
      callback_url: `${target.url}?run=1`,
      params: { __sim: { fail: true } },
    });
    expect(execution.status).toBe('FAILED');
    const [request] = await target.waitFor(1);
    expect(request.path).toBe('/hook?run=1');
    expect(verify(secret, request)).toBe(true);
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'execution.failed',
      data: {
        execution: { id: execution.id, status: 'FAILED', callback_url: `${target.url}?run=1` },
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(target.requests).toHaveLength(1);

    const log = await sut.http
      .get(`/v1/webhooks/deliveries?kind=callback&execution_id=${execution.id}`)
      .set('X-User-Id', USER)
      .expect(200);
    expect(log.body.data.records).toMatchObject([
      { kind: 'callback', webhook_id: null, status: 'succeeded', event_type: 'execution.failed' },
    ]);
  });

  it('should take over the delivery of an event whose claimer went silent', async () => {
    const target = await receiver();
    await createWebhook(sut, target.url, ['execution.completed']);
    const started = await sut.http
      .post('/v1/workflows/wh-1/execute-async')
      .set('Authorization', `Bearer ${key}`)
      .send({ params: { __sim: { delay_ms: 1500 } } })
      .expect(202);
    const executionId = started.body.data.executionId as string;
    // As if another process had claimed the event and died before queuing anything.
    const eventId = deterministicUuid(`event:${executionId}:execution.completed`);
    const redis = new Redis(sut.env.REDIS_URL);
    await redis.set(`${sut.env.REDIS_PREFIX}:webhooks:dispatch:${eventId}`, 'dead', 'PX', 60_000);
    redis.disconnect();

    const [request] = await target.waitFor(1);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ id: eventId, data: { execution: { id: executionId } } });
    const waited = request.receivedAt - Date.parse(body.data.execution.end_time);
    expect(waited).toBeGreaterThanOrEqual(4000); // the takeover delay
  });

  it('should list webhooks without secrets and keep them private to their owner', async () => {
    const target = await receiver();
    const hook = await createWebhook(sut, target.url, ['execution.completed']);
    const list = await sut.http.get('/v1/webhooks').set('X-User-Id', USER).expect(200);
    const listed = list.body.data.records.find((w: { id: string }) => w.id === hook.id);
    expect(listed).toEqual({
      id: hook.id,
      url: target.url,
      events: ['execution.completed'],
      description: 'test',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const stored = await sut.db.query('SELECT secret FROM webhooks WHERE id = ?', [hook.id]);
    expect(stored[0].secret).not.toContain(hook.secret);

    const other = { 'X-User-Id': 'someone-else' };
    await sut.http.get(`/v1/webhooks/${hook.id}`).set(other).expect(404);
    await sut.http.delete(`/v1/webhooks/${hook.id}`).set(other).expect(404);
    await sut.http.post(`/v1/webhooks/${hook.id}/test`).set(other).expect(404);
    await sut.http.get(`/v1/webhooks/${hook.id}/deliveries`).set(other).expect(404);
    const mine = await sut.http.get('/v1/webhooks/deliveries').set('X-User-Id', USER).expect(200);
    await sut.http
      .post(`/v1/webhooks/deliveries/${mine.body.data.records[0].id}/redeliver`)
      .set(other)
      .expect(404);
    const theirs = await sut.http.get('/v1/webhooks').set(other).expect(200);
    expect(theirs.body.data).toEqual({ total: 0, records: [] });

    await sut.http.delete(`/v1/webhooks/${hook.id}`).set('X-User-Id', USER).expect(200);
    await sut.http.get(`/v1/webhooks/${hook.id}`).set('X-User-Id', USER).expect(404);
  });

  it('should prune finished deliveries older than the retention, keeping pending ones', async () => {
    const insert = (id: string, status: string, daysAgo: number) =>
      sut.db.query(
        `INSERT INTO webhook_deliveries (id, webhook_id, user_id, event_id, event_type, url, payload, status, created_at)
         VALUES (?, NULL, ?, ?, 'execution.completed', 'http://x.test/', '{}', ?, NOW(3) - INTERVAL ? DAY)`,
        [id, USER, id, status, daysAgo],
      );
    await insert('00000000-0000-4000-8000-000000000001', 'succeeded', 40);
    await insert('00000000-0000-4000-8000-000000000002', 'pending', 40);
    await insert('00000000-0000-4000-8000-000000000003', 'failed', 2);
    await sut.db.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, status_code, duration_ms)
       VALUES ('00000000-0000-4000-8000-000000000001', 1, 200, 5)`,
    );

    const report = await sut.app.get(WebhookRetention).prune();
    expect(report.deliveries).toBe(1);
    const left = await sut.db.query(
      "SELECT id FROM webhook_deliveries WHERE id LIKE '00000000-0000-4000-8000-%' ORDER BY id",
    );
    expect(left.map((r: { id: string }) => r.id.slice(-1))).toEqual(['2', '3']);
    const attempts = await sut.db.query(
      "SELECT id FROM webhook_delivery_attempts WHERE delivery_id = '00000000-0000-4000-8000-000000000001'",
    );
    expect(attempts).toHaveLength(0);
  });

  it('should validate url, events, scopes and the per-user limit', async () => {
    const post = (body: object, user = 'limit-user') =>
      sut.http.post('/v1/webhooks').set('X-User-Id', user).send(body);
    const ok = { url: 'https://hooks.example.com/x', events: ['execution.completed'] };
    const bad = [
      { ...ok, url: 'ftp://hooks.example.com/x' },
      { ...ok, url: 'not a url' },
      { ...ok, url: 'https://user:pw@hooks.example.com/x' },
      { ...ok, events: [] },
      { ...ok, events: ['execution.progress'] },
      { ...ok, events: ['execution.completed', 'execution.completed'] },
      { url: ok.url },
    ];
    for (const body of bad) {
      const res = await post(body).expect(400);
      expect(res.body).toMatchObject({ code: '5001', error: 'VALIDATION_FAILED' });
    }

    const readOnly = await sut.http
      .post('/v1/api-keys')
      .set('X-User-Id', USER)
      .send({ name: 'ro', scopes: ['read'] })
      .expect(201);
    const bearer = `Bearer ${readOnly.body.data.api_key}`;
    await sut.http.post('/v1/webhooks').set('Authorization', bearer).send(ok).expect(403);
    await sut.http.get('/v1/webhooks').set('Authorization', bearer).expect(200);
    await sut.http.get('/v1/webhooks').expect(401);

    for (let i = 0; i < 10; i++) await post(ok).expect(201);
    const over = await post(ok).expect(409);
    expect(over.body.msg).toContain('at most 10 webhooks');
  });
});

describe('Webhook SSRF guard (e2e)', () => {
  let sut: TestApp;
  let key: string;
  let target: Receiver;

  beforeAll(async () => {
    sut = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_BACKOFF_BASE_MS: '50' });
    key = await seed(sut, USER, 'guarded');
    target = await startReceiver();
  });
  afterAll(async () => {
    await target?.close();
    await sut?.close();
  });

  it('should refuse private and loopback targets when a webhook is created', async () => {
    const refused = [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://api.localhost./x',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://2130706433/x',
      'http://10.1.2.3/x',
      'http://172.16.0.1/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x',
      'http://[fd00::1]/x',
      'http://[fe80::1]/x',
      'http://0.0.0.0/x',
      'http://224.0.0.1/x',
    ];
    for (const url of refused) {
      const res = await sut.http
        .post('/v1/webhooks')
        .set('X-User-Id', USER)
        .send({ url, events: ['execution.completed'] });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.msg).toMatch(/localhost|private/);
    }
    // A public address (documentation-free, never contacted: removed at once) is accepted.
    const ok = await sut.http
      .post('/v1/webhooks')
      .set('X-User-Id', USER)
      .send({ url: 'https://93.184.215.14/x', events: ['execution.completed'] })
      .expect(201);
    await sut.http.delete(`/v1/webhooks/${ok.body.data.id}`).set('X-User-Id', USER).expect(200);
  });

  it('should refuse, at delivery time, a callback_url on loopback without retrying it', async () => {
    const execution = await runToEnd(sut, key, 'guarded', { callback_url: target.url });
    const delivery = await waitFor(
      async () => {
        const res = await sut.http
          .get(`/v1/webhooks/deliveries?execution_id=${execution.id}`)
          .set('X-User-Id', USER)
          .expect(200);
        return res.body.data.records[0];
      },
      {
        what: 'the callback delivery to fail',
        accept: (d) => d?.status === 'failed',
        failFast: true,
      },
    );
    expect(delivery).toMatchObject({ attempt_count: 1, attempts: [{ status_code: null }] });
    expect(delivery.last_error).toContain('resolves to 127.0.0.1');
    expect(target.requests).toHaveLength(0);
  });

  it('should refuse, at delivery time, a host name that resolves to a private address', async () => {
    const url = target.url.replace('127.0.0.1', hostname());
    const hook = await createWebhook(sut, url, ['execution.completed']);
    await sut.http.post(`/v1/webhooks/${hook.id}/test`).set('X-User-Id', USER).expect(202);
    const page = await settledDelivery(sut, hook.id, 1);
    expect(page.records[0]).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(page.records[0].last_error).toMatch(/private/);
    expect(target.requests).toHaveLength(0);
  });
});

import { randomUUID } from 'node:crypto';
import { ExecutionEventBus } from '../apps/api/src/execution/execution-event.bus';
import { ExecutionEvent } from '../apps/api/src/execution/execution.events';
import { TestApp, startTestApp } from './support/app';
import { executionRow, waitForExecution } from './support/executions';
import {
  ExecutorCredentials,
  ExecutorFixtures,
  Frame,
  TestExecutor,
  executorEnv,
} from './support/executor';
import {
  bearer,
  createKey,
  createKeyWithId,
  revokeKey,
  startExecution,
  startRun,
} from './support/fixtures';
import { LiveClient } from './support/live-events';
import { waitFor } from './support/wait';

const ADMIN = 'executor-admin-token-0123456789';
const WAIT_MS = 1500;
const GRACE_MS = 2000;
const PING_TIMEOUT_MS = 3000;

/**
 * The executor bridge in one process (APP_ROLE=all, ROBOT_MODE=executor), driven by real
 * WebSocket clients that send exactly the engine's frames. Polling is a ten-minute fallback
 * here: a run ends because its reply is pushed to it, never because a poll found it.
 */
describe('Executor bridge /ws (e2e)', () => {
  let sut: TestApp;
  const fixtures = new ExecutorFixtures(() => sut, 'u');
  const user = () => fixtures.user();
  const executor = (credentials: ExecutorCredentials) => fixtures.executor(credentials);
  const events: ExecutionEvent[] = [];

  beforeAll(async () => {
    sut = await startTestApp(
      executorEnv({
        LOG_LEVEL: 'error',
        ADMIN_TOKEN: ADMIN,
        EXECUTOR_WAIT_MS: String(WAIT_MS),
        EXECUTOR_LOST_GRACE_MS: String(GRACE_MS),
        EXECUTOR_PING_TIMEOUT_MS: String(PING_TIMEOUT_MS),
        ROBOT_POLL_FALLBACK_MS: '600000',
      }),
    );
    sut.app.get(ExecutionEventBus).events$.subscribe((event) => events.push(event));
  });
  afterEach(() => fixtures.closeAll());
  afterAll(async () => {
    await sut?.close();
  });

  async function online(userId: string, count = 1) {
    await waitFor(
      async () => (await sut.http.get('/v1/executors').set('X-User-Id', userId)).body.data?.total,
      { what: `${count} executor(s) of ${userId} online`, accept: (n) => n === count },
    );
  }

  describe('connection', () => {
    it('should close with 1008 and a reason without credentials, with a bad key, or without the execute scope', async () => {
      const { userId } = await user();
      const readOnly = await createKey(sut.http, userId, { scopes: ['read'] });
      const cases = [
        [{ pingMs: 0 }, /credentials/i],
        [{ key: 'rpa_not-a-real-key', pingMs: 0 }, /invalid/i],
        [{ key: readOnly, pingMs: 0 }, /scope: execute/],
      ] as const;
      for (const [credentials, reason] of cases) {
        const e = await executor(credentials);
        const closed = await e.waitClosed();
        expect(closed.code).toBe(1008);
        expect(closed.reason).toMatch(reason);
      }
      const res = await sut.http.get('/v1/executors').set('X-User-Id', userId).expect(200);
      expect(res.body.data).toEqual({ items: [], total: 0 });
    });

    it('should accept an API key by ?key= or Bearer and the trusted user_id header, next to Socket.IO on the same port', async () => {
      const { userId, key } = await user();
      const live = LiveClient.open(sut.url, { token: key });
      await waitFor(() => live.socket.connected, { what: 'the Socket.IO client to connect' });

      await executor({ key });
      await executor({ bearer: key });
      await executor({ userId });
      await online(userId, 3);

      const connected = await waitFor(
        () => live.events.filter((e) => e.type === 'executor.connected'),
        { what: 'three executor.connected events', accept: (list) => list.length === 3 },
      );
      expect(connected[0].payload).toMatchObject({ executor_id: expect.any(String) });
      expect(connected[0].payload).not.toHaveProperty('user_id');

      const list = (await sut.http.get('/v1/executors').set('X-User-Id', userId).expect(200)).body
        .data;
      expect(list.items[0]).toEqual({
        id: expect.any(String),
        user_id: userId,
        connected_at: expect.any(String),
        last_ping_at: null,
        address: expect.stringMatching(/127\.0\.0\.1/),
        running: [],
      });
      const all = await sut.http.get('/admin/executors').set(bearer(ADMIN)).expect(200);
      expect(
        all.body.data.items.filter((i: { user_id: string }) => i.user_id === userId),
      ).toHaveLength(3);
      const metrics = await sut.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/rpa_executors_connected\{[^}]*\} [1-9]/);

      fixtures.closeAll();
      await waitFor(() => live.events.filter((e) => e.type === 'executor.disconnected'), {
        what: 'three executor.disconnected events',
        accept: (list) => list.length === 3,
      });
      await online(userId, 0);
      live.socket.close();
    });

    it('should close the connections of a revoked key with 1008', async () => {
      const { userId } = await user();
      const { key, id } = await createKeyWithId(sut.http, userId);
      const e = await executor({ key });
      await online(userId);
      await revokeKey(sut.http, userId, id);
      const closed = await e.waitClosed();
      expect(closed).toMatchObject({ code: 1008, reason: expect.stringMatching(/revoked/) });
      expect(e.frames.find((f) => f.channel === 'exit')?.data.code).toBe('UNAUTHENTICATED');
      await online(userId, 0);
    });

    it('should answer ping with pong, and a bad frame with an exit frame while staying open', async () => {
      const { key } = await user();
      const e = await executor({ key, pingMs: 0 });
      e.send({ channel: 'ping' });
      await e.next((f) => f.channel === 'pong', 'a pong');
      expect(e.raw).toContain('{"channel":"pong"}');

      for (const [bad, reason] of [
        ['not json', /not JSON/],
        ['[1,2]', /not a JSON object/],
        ['{"data":{}}', /no channel/],
        ['{"channel":"remote","reply_event_id":5}', /reply_event_id/],
      ] as const) {
        const from = e.frames.length;
        e.send(bad);
        const exit = await e.next((f) => f.channel === 'exit', `an exit for ${bad}`, from);
        expect(exit.data.reason).toMatch(reason);
      }
      const from = e.frames.length;
      e.send({ channel: 'ping' });
      await e.next((f) => f.channel === 'pong', 'a pong after the bad frames', from);
      expect(e.closed).toBeUndefined();
    });

    it('should send an exit frame and close a connection silent for EXECUTOR_PING_TIMEOUT_MS', async () => {
      const { key } = await user();
      const e = await executor({ key, pingMs: 0 });
      const opened = Date.now();
      const closed = await e.waitClosed(PING_TIMEOUT_MS * 4);
      expect(closed.at - opened).toBeGreaterThanOrEqual(PING_TIMEOUT_MS - 100);
      const exit = e.frames.find((f) => f.channel === 'exit');
      expect(exit?.data).toMatchObject({ code: 'PING_TIMEOUT', reason: expect.any(String) });
    });
  });

  describe('runs', () => {
    it('should send remote/run to the executor, store its event_id and complete with the reply', async () => {
      const { userId, key, projectId } = await user();
      const e = await executor({ key });
      await online(userId);
      const id = await startRun(sut.http, key, projectId, { city: 'Hefei', n: 3 });

      const run = await e.nextRun();
      expect(run).toEqual({
        event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        event_time: expect.any(Number),
        channel: 'remote',
        key: 'run',
        uuid: '$root$',
        send_uuid: userId,
        need_reply: true,
        data: {
          project_id: projectId,
          exec_position: 'EXECUTOR',
          jwt: '',
          run_param: expect.any(String),
        },
      });
      expect(Math.abs(run.event_time! - Date.now() / 1000)).toBeLessThan(60);
      expect(JSON.parse(run.data.run_param)).toEqual([
        { varName: 'city', varValue: 'Hefei' },
        { varName: 'n', varValue: 3 },
      ]);
      const running = await waitForExecution(sut.db, id, (r) => r.robot_task_id !== null);
      expect(running.robot_task_id).toBe(run.event_id);
      const listed = (await sut.http.get('/v1/executors').set('X-User-Id', userId)).body.data;
      expect(listed.items[0].running).toEqual([id]);

      const answer = { code: '0000', msg: 'success', data: { out: 42 } };
      e.reply(run.event_id!, answer);
      const row = await waitForExecution(sut.db, id);
      expect(row).toMatchObject({ status: 'COMPLETED', result: answer, error: null });
      const res = await sut.http.get(`/v1/executions/${id}`).set(bearer(key)).expect(200);
      expect(res.body.data.execution.result.data).toEqual({ out: 42 });
      await waitFor(
        () => events.find((ev) => ev.execution_id === id && ev.type === 'execution.completed'),
        { what: 'the completed event' },
      );
    });

    it('should accept data as a JSON string, fail with the msg of another code, and fail naming a bad reply', async () => {
      const { userId, key, projectId } = await user();
      const e = await executor({ key });
      await online(userId);
      const cases: Array<[unknown, Record<string, unknown>]> = [
        [
          JSON.stringify({ code: '0000', msg: 'ok', data: { a: 1 } }),
          { status: 'COMPLETED', result: { code: '0000', msg: 'ok', data: { a: 1 } } },
        ],
        [
          { code: '5001', msg: 'element not found', data: null },
          { status: 'FAILED', error: expect.stringContaining('element not found') },
        ],
        [{ code: 'E42' }, { status: 'FAILED', error: expect.stringContaining('no message') }],
        [12, { status: 'FAILED', error: expect.stringMatching(/bad executor reply.*number/) }],
        ['{oops', { status: 'FAILED', error: expect.stringMatching(/bad executor reply.*JSON/) }],
        [{ msg: 'no code' }, { status: 'FAILED', error: expect.stringMatching(/has no code/) }],
      ];
      for (const [data, expected] of cases) {
        const from = e.runs().length;
        const id = await startRun(sut.http, key, projectId);
        const run = await waitFor(() => e.runs()[from], { what: 'the run' });
        e.reply(run.event_id!, data);
        expect(await waitForExecution(sut.db, id)).toMatchObject(expected);
      }
    });

    it('should ignore replies from another user, to unknown runs, and a second reply', async () => {
      const owner = await user();
      const other = await user();
      const e = await executor({ key: owner.key });
      const intruder = await executor({ key: other.key });
      await online(owner.userId);
      await online(other.userId);
      const id = await startRun(sut.http, owner.key, owner.projectId);
      const run = await e.nextRun();

      intruder.reply(run.event_id!, { code: '5001', msg: 'hijacked' });
      e.reply(randomUUID(), { code: '5001', msg: 'nobody asked' });
      e.send({ channel: 'remote', reply_event_id: 'not-even-a-uuid', data: {} });
      // A ping answered after them proves they were read.
      const from = e.frames.length;
      e.send({ channel: 'ping' });
      await e.next((f) => f.channel === 'pong', 'a pong', from);
      expect((await executionRow(sut.db, id))?.status).toBe('RUNNING');
      expect(intruder.runs()).toEqual([]);

      e.reply(run.event_id!, { code: '0000', msg: 'ok', data: { first: true } });
      await waitForExecution(sut.db, id);
      e.reply(run.event_id!, { code: '5001', msg: 'late' });
      const again = e.frames.length;
      e.send({ channel: 'ping' });
      await e.next((f) => f.channel === 'pong', 'a pong', again);
      expect(await executionRow(sut.db, id)).toMatchObject({
        status: 'COMPLETED',
        result: { data: { first: true } },
      });
    });

    it('should share runs between two executors of a user, never the same run twice, in priority order', async () => {
      const { userId, key, projectId } = await user();
      const a = await executor({ key });
      const b = await executor({ key });
      await online(userId, 2);
      const ids = [
        await startRun(sut.http, key, projectId),
        await startRun(sut.http, key, projectId),
      ];
      await waitFor(() => a.runs().length === 1 && b.runs().length === 1, {
        what: 'one run on each executor',
      });
      // Both are busy (EXECUTOR_MAX_RUNS=1): these wait, the most urgent first.
      const low = await startExecution(sut.http, key, projectId, { which: 'low' })
        .send({ project_id: projectId, params: { which: 'low' }, priority: 9 })
        .expect(202);
      const high = await startExecution(sut.http, key, projectId, { which: 'high' })
        .send({ project_id: projectId, params: { which: 'high' }, priority: 1 })
        .expect(202);
      await waitForExecution(sut.db, high.body.data.execution.id, (r) => r.robot_task_id !== null);
      expect(a.runs().length + b.runs().length).toBe(2);

      a.reply(a.runs()[0].event_id!, { code: '0000', msg: 'ok', data: {} });
      // Frames before the first run (the capabilities probe) are skipped.
      const next = await a.nextRun(a.frames.indexOf(a.runs()[0]) + 1);
      expect(JSON.parse(next.data.run_param)).toEqual([{ varName: 'which', varValue: 'high' }]);
      b.reply(b.runs()[0].event_id!, { code: '0000', msg: 'ok', data: {} });
      const last = await b.nextRun(b.frames.indexOf(b.runs()[0]) + 1);
      expect(JSON.parse(last.data.run_param)).toEqual([{ varName: 'which', varValue: 'low' }]);
      a.reply(next.event_id!, { code: '0000', msg: 'ok', data: {} });
      b.reply(last.event_id!, { code: '0000', msg: 'ok', data: {} });

      const all = [...ids, high.body.data.execution.id, low.body.data.execution.id];
      for (const id of all) expect((await waitForExecution(sut.db, id)).status).toBe('COMPLETED');
      const sent = [...a.runs(), ...b.runs()].map((f: Frame) => f.event_id);
      expect(new Set(sent).size).toBe(4);
      expect(sent).toHaveLength(4);
    });

    it("should never send a run to another user's executor", async () => {
      const owner = await user();
      const other = await user();
      const stranger = await executor({ key: other.key });
      await online(other.userId);
      const id = await startRun(sut.http, owner.key, owner.projectId);
      const row = await waitForExecution(sut.db, id, undefined, WAIT_MS * 10);
      expect(row.status).toBe('FAILED');
      expect(row.error).toMatch(/NO_EXECUTOR/);
      expect(stranger.runs()).toEqual([]);
    });

    it('should fail NO_EXECUTOR when no executor of the user connects within EXECUTOR_WAIT_MS', async () => {
      const { key, projectId } = await user();
      const started = Date.now();
      const id = await startRun(sut.http, key, projectId);
      const row = await waitForExecution(sut.db, id);
      expect(row).toMatchObject({ status: 'FAILED', error_code: 'no_executor' });
      expect(row.error).toMatch(/^Robot task failed: NO_EXECUTOR/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS);
    });

    it('should dispatch a waiting run to an executor that connects within EXECUTOR_WAIT_MS', async () => {
      const { key, projectId } = await user();
      const id = await startRun(sut.http, key, projectId);
      const e = await executor({ key });
      const run = await e.nextRun();
      e.reply(run.event_id!, { code: '0000', msg: 'ok', data: {} });
      expect((await waitForExecution(sut.db, id)).status).toBe('COMPLETED');
    });

    it('should fail EXECUTOR_LOST when the connection drops and nobody replies within the grace', async () => {
      const { userId, key, projectId } = await user();
      const e = await executor({ key });
      await online(userId);
      const id = await startRun(sut.http, key, projectId);
      await e.nextRun();
      e.terminate();
      const dropped = Date.now();
      const row = await waitForExecution(sut.db, id);
      expect(row).toMatchObject({ status: 'FAILED', error_code: 'executor_lost' });
      expect(row.error).toMatch(/^Robot task failed: EXECUTOR_LOST/);
      expect(Date.now() - dropped).toBeGreaterThanOrEqual(GRACE_MS - 200);
    });

    it('should complete a run whose executor reconnects within the grace and replies', async () => {
      const { userId, key, projectId } = await user();
      const first = await executor({ key });
      await online(userId);
      const id = await startRun(sut.http, key, projectId);
      const run = await first.nextRun();
      first.terminate();
      await online(userId, 0);
      const second = await executor({ key });
      second.reply(run.event_id!, { code: '0000', msg: 'ok', data: { after: 'reconnect' } });
      const row = await waitForExecution(sut.db, id);
      expect(row).toMatchObject({ status: 'COMPLETED', result: { data: { after: 'reconnect' } } });
    });

    it('should send remote/stop on cancel and end CANCELLED; a late reply changes nothing', async () => {
      const { userId, key, projectId } = await user();
      const e = await executor({ key });
      await online(userId);
      const id = await startRun(sut.http, key, projectId);
      const run = await e.nextRun();
      await waitForExecution(sut.db, id, (r) => r.robot_task_id !== null);
      await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(key)).expect(200);
      const stop = await e.next((f) => f.channel === 'remote' && f.key === 'stop', 'remote/stop');
      expect(stop).toMatchObject({
        uuid: '$root$',
        send_uuid: userId,
        data: { execution_id: id, project_id: projectId },
      });
      e.reply(run.event_id!, { code: '0000', msg: 'ok', data: {} });
      // The executor is free again: the next run goes to it.
      const next = await startRun(sut.http, key, projectId);
      const nextRun = await e.nextRun(e.frames.indexOf(stop) + 1);
      e.reply(nextRun.event_id!, { code: '0000', msg: 'ok', data: {} });
      expect((await waitForExecution(sut.db, next)).status).toBe('COMPLETED');
      expect((await executionRow(sut.db, id))?.status).toBe('CANCELLED');
    });

    it('should fail a run that gets no reply by its timeout, and stop it on the executor', async () => {
      const { userId, key, projectId } = await user();
      const e = await executor({ key });
      await online(userId);
      const res = await sut.http
        .post('/v1/executions')
        .set(bearer(key))
        .send({ project_id: projectId, params: {}, timeout_ms: 1500 })
        .expect(202);
      const id = res.body.data.execution.id as string;
      await e.nextRun();
      const row = await waitForExecution(sut.db, id);
      expect(row.status).toBe('FAILED');
      expect(row.error).toMatch(/timed out/);
      await e.next((f) => f.channel === 'remote' && f.key === 'stop', 'remote/stop');
    });
  });

  describe('the legacy executor routes', () => {
    it("should answer remote-check true while one of the caller's executors is connected, and false for another user", async () => {
      const alice = await user();
      const bob = await user();
      await executor({ key: alice.key });
      await online(alice.userId);

      const mine = await sut.http.get('/health/remote-check').set(bearer(alice.key)).expect(200);
      expect(mine.body).toMatchObject({ code: '0000', data: true });
      const theirs = await sut.http.get('/health/remote-check').set(bearer(bob.key)).expect(200);
      expect(theirs.body).toMatchObject({ code: '5001', data: false });
    });

    it("should send remote/stop_current to every executor of the caller and to no one else's", async () => {
      const alice = await user();
      const bob = await user();
      const first = await executor({ key: alice.key });
      const second = await executor({ key: alice.key });
      const other = await executor({ key: bob.key });
      await online(alice.userId, 2);
      await online(bob.userId);

      const res = await sut.http.post('/workflows/stop-current').set(bearer(alice.key)).expect(202);
      expect(res.body).toMatchObject({ code: '0000', data: {} });
      for (const e of [first, second]) {
        const frame = await e.next(
          (f) => f.channel === 'remote' && f.key === 'stop_current',
          'a remote/stop_current',
        );
        expect(frame).toMatchObject({ uuid: '$root$', send_uuid: alice.userId, data: {} });
      }
      // Bob's executor keeps running: give a stray frame time to arrive, then look.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(other.frames.some((f) => f.key === 'stop_current')).toBe(false);
    });
  });
});

describe('Executor bridge /ws without a trusted gateway (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp(
      executorEnv({ APP_ROLE: 'api', LOG_LEVEL: 'error', AUTH_TRUST_USER_HEADER: 'false' }),
    );
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should refuse the user_id header with 1008 when AUTH_TRUST_USER_HEADER=false', async () => {
    const e = await TestExecutor.connect(sut.url, { userId: 'mallory', pingMs: 0 });
    const closed = await e.waitClosed();
    expect(closed).toMatchObject({ code: 1008, reason: expect.stringMatching(/credentials/i) });
  });
});

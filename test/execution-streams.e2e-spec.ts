import { TestApp, startTestApp } from './support/app';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';

interface RpaFinal {
  code: number;
  message: string;
  sid: string | number | null;
  data: Record<string, unknown> | null;
  execution_id: string | null;
}

describe('Execution streams (e2e, robot over HTTP)', () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  let key: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 50 });
    sut = await startTestApp({ ...robotHttpEnv(sim), SSE_PING_MS: '100', LOG_LEVEL: 'error' });
    key = await createKey(sut.url, 'dave');
    await upsertWorkflow(sut.url, 'dave', 'wf-s');
  });
  afterAll(async () => {
    await sut?.close();
    await sim?.close();
  });

  describe('POST /rpa/v1/exec', () => {
    const exec = (body: Record<string, unknown>) =>
      openSse(`${sut.url}/rpa/v1/exec`, { method: 'POST', headers: bearer(key), body });

    /** Reads the whole stream; it must end after exactly one data line. */
    const finalEventOf = async (body: Record<string, unknown>) => {
      const stream = await exec(body);
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      await stream.ended;
      expect(stream.events).toHaveLength(1);
      expect(stream.events[0].event).toBeUndefined();
      return { stream, final: JSON.parse(stream.events[0].data) as RpaFinal };
    };

    it("should stream keep-alives, then one Success line with the robot's data, then close", async () => {
      const { stream, final } = await finalEventOf({
        sid: 'session-1',
        project_id: 'wf-s',
        params: { invoice: 'INV-1', __sim: { delay_ms: 600 } },
      });
      expect(final).toMatchObject({
        code: 0,
        message: 'Success',
        sid: 'session-1',
        data: { invoice: 'INV-1' },
      });
      expect(stream.comments.some((c) => /^ping - \d{4}-\d\d-\d\dT/.test(c))).toBe(true);
      const row = await waitForExecution(sut.db, final.execution_id!);
      expect(row).toMatchObject({ status: 'COMPLETED', result: { data: { invoice: 'INV-1' } } });
    });

    it('should echo a numeric sid and answer data {} for a result without data', async () => {
      const { final } = await finalEventOf({ sid: 42, project_id: 'wf-s' });
      expect(final).toMatchObject({ code: 0, message: 'Success', sid: 42, data: {} });
    });

    it('should answer 55001 when the robot task cannot be created', async () => {
      const { final } = await finalEventOf({
        sid: 's-55001',
        project_id: 'wf-s',
        params: { __sim: { create_status: 400 } },
      });
      expect(final).toMatchObject({ code: 55001, sid: 's-55001', data: null });
      expect(final.message).toMatch(/^Robot task could not be created/);
    });

    it('should answer 55001 for an unknown project_id and start nothing', async () => {
      const before = Number((await sut.db.query('SELECT COUNT(*) AS n FROM executions'))[0].n);
      const { final } = await finalEventOf({ sid: 's-unknown', project_id: 'no-such-flow' });
      expect(final).toMatchObject({
        code: 55001,
        sid: 's-unknown',
        data: null,
        execution_id: null,
      });
      expect(final.message).toContain('no-such-flow');
      const after = Number((await sut.db.query('SELECT COUNT(*) AS n FROM executions'))[0].n);
      expect(after).toBe(before);
    });

    it("should answer 55002 with the robot's error when the task fails", async () => {
      const { final } = await finalEventOf({
        sid: 's-55002',
        project_id: 'wf-s',
        params: { __sim: { fail: 'paper jam' } },
      });
      expect(final).toMatchObject({ code: 55002, sid: 's-55002', data: null });
      expect(final.message).toBe('Robot task failed: paper jam');
    });

    it('should answer 55003 when the task times out', async () => {
      const { final } = await finalEventOf({
        sid: 's-55003',
        project_id: 'wf-s',
        timeout_ms: 400,
        params: { __sim: { hang: true } },
      });
      expect(final).toMatchObject({ code: 55003, sid: 's-55003', data: null });
      expect(final.message).toBe('Robot task timed out after 400 ms');
    });

    it('should not cancel the execution when the client disconnects', async () => {
      const reference = `gone-${Date.now()}`;
      const stream = await exec({
        project_id: 'wf-s',
        reference,
        params: { __sim: { delay_ms: 1200 } },
      });
      await stream.waitFor((s) => s.comments.length > 0, 'a keep-alive');
      const row = await waitFor(
        async () => {
          const rows = await sut.db.query('SELECT id FROM executions WHERE reference = ?', [
            reference,
          ]);
          return rows[0] as { id: string } | undefined;
        },
        { what: 'the execution row' },
      );
      stream.disconnect();
      await stream.ended;
      expect(stream.events).toEqual([]);
      const ended = await waitForExecution(sut.db, row.id);
      expect(ended.status).toBe('COMPLETED');
    });

    it('should answer validation errors as a plain 400 envelope', async () => {
      const stream = await exec({ sid: 's' });
      await stream.ended;
      expect(stream.status).toBe(400);
      expect(JSON.parse(stream.events[0].data)).toMatchObject({
        code: '5001',
        error: 'VALIDATION_FAILED',
      });
    });
  });

  describe('GET /v1/executions/{id}/events', () => {
    it('should send a snapshot, then progress, log and completed events, then close', async () => {
      const id = await startRun(sut.http, key, 'wf-s', {
        __sim: { delay_ms: 2000, progress_steps: 4, log_lines: 3 },
      });
      const stream = await openSse(`${sut.url}/v1/executions/${id}/events`, {
        headers: { 'X-User-Id': 'dave' },
      });
      expect(stream.status).toBe(200);
      await stream.ended;

      const events = stream.json<{
        execution?: { id: string; status: string };
        type?: string;
        execution_id?: string;
        progress?: number;
        log?: { seq: number; message: string };
        result?: unknown;
      }>();
      expect(events[0].__event).toBe('snapshot');
      expect(events[0].execution).toMatchObject({ id });
      expect(['PENDING', 'RUNNING']).toContain(events[0].execution!.status);

      const live = events.slice(1);
      expect(live.every((e) => e.execution_id === id && e.__event === e.type)).toBe(true);
      const last = live[live.length - 1];
      expect(last).toMatchObject({
        type: 'execution.completed',
        status: 'COMPLETED',
        progress: 100,
        result: { data: {} },
      });
      expect(live.filter((e) => e.type === 'execution.completed')).toHaveLength(1);
      const progress = live.filter((e) => e.type === 'execution.progress').map((e) => e.progress);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((p) => p! > 0 && p! < 100)).toBe(true);
      const logs = live.filter((e) => e.type === 'execution.log').map((e) => e.log!.seq);
      expect([...new Set(logs)].sort()).toEqual([1, 2, 3]);
    });

    it('should send only the snapshot for an ended execution, then close', async () => {
      const started = await sut.http
        .post('/v1/executions')
        .set(bearer(key))
        .send({ project_id: 'wf-s' })
        .expect(202);
      const id = started.body.data.execution.id as string;
      await waitForExecution(sut.db, id);
      const stream = await openSse(`${sut.url}/v1/executions/${id}/events`, {
        headers: bearer(key),
      });
      await stream.ended;
      expect(stream.json()).toEqual([
        { __event: 'snapshot', execution: expect.objectContaining({ id, status: 'COMPLETED' }) },
      ]);
    });

    it('should end with the cancelled event when the run is cancelled', async () => {
      const id = await startRun(sut.http, key, 'wf-s', { __sim: { hang: true } });
      await waitForExecution(sut.db, id, (row) => row.status === 'RUNNING');
      const stream = await openSse(`${sut.url}/v1/executions/${id}/events`, {
        headers: bearer(key),
      });
      await stream.waitFor((s) => s.events.length > 0, 'the snapshot');
      await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(key)).expect(200);
      await stream.ended;
      const events = stream.json<{ type?: string; status?: string; error?: string }>();
      expect(events[0].__event).toBe('snapshot');
      expect(events[events.length - 1]).toMatchObject({
        type: 'execution.cancelled',
        status: 'CANCELLED',
        error: 'Cancelled',
      });
    });
  });
});

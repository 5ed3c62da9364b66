import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TestApp, startTestApp } from './support/app';
import { executorEnv, TestExecutor } from './support/executor';
import { bearer, createKey, upsertWorkflow } from './support/fixtures';
import { startRobotSim, TestRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';
import { Receiver, startReceiver } from './support/webhook-receiver';

const USER = 'tracing-user';
const PROJECT = 'traced-flow';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

/** Forwards to the robot simulator and keeps the headers of every request it passes on. */
async function recordingProxy(target: string) {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const traceIdOf = (traceparent: unknown) => String(traceparent ?? '').split('-')[1];
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('TracingService (e2e)', () => {
  let sut: TestApp;
  let exporter: InMemorySpanExporter;
  let sim: TestRobotSim;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let receiver: Receiver;
  let logDir: string;
  let key: string;

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 100 });
    proxy = await recordingProxy(sim.url);
    receiver = await startReceiver();
    exporter = new InMemorySpanExporter();
    logDir = mkdtempSync(join(tmpdir(), 'rpa-tracing-'));
    sut = await startTestApp(
      {
        ROBOT_MODE: 'http',
        ROBOT_BASE_URL: proxy.url,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        LOG_LEVEL: 'info',
        LOG_DIR: logDir,
      },
      { traceExporter: exporter },
    );
    key = await createKey(sut.http, USER, { name: 'k' });
    await upsertWorkflow(sut.http, USER, PROJECT);
    await sut.http
      .post('/v1/webhooks')
      .set('X-User-Id', USER)
      .send({ url: receiver.url, events: ['execution.completed'] })
      .expect(201);
  });

  afterAll(async () => {
    await sut?.close();
    await Promise.all([receiver?.close(), proxy?.close(), sim?.close()]);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('should carry one trace from the request through the queue, the robot and the webhook', async () => {
    const started = await sut.http
      .post('/v1/executions')
      .set(bearer(key))
      .set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`)
      .set('X-Request-ID', 'traced-request-1')
      .send({ project_id: PROJECT, params: {} })
      .expect(202);
    const executionId = started.body.data.execution.id as string;

    const [hook] = await receiver.waitFor(1);
    expect(traceIdOf(hook.headers.traceparent)).toBe(TRACE_ID);
    expect(proxy.headers.length).toBeGreaterThan(0);
    for (const headers of proxy.headers) expect(traceIdOf(headers.traceparent)).toBe(TRACE_ID);

    const spans = await waitFor(
      () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID),
      {
        what: 'the spans of the trace',
        accept: (found) => found.some((s) => s.name === 'webhook delivery'),
      },
    );
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [server] = named('POST /v1/executions');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(CALLER_SPAN);
    expect(server.attributes['http.response.status_code']).toBe(202);

    // One span per step of the run (the create, then each query), each a child of the request.
    const runs = named('execution run');
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(run)).toBe(server.spanContext().spanId);
      expect(run.attributes['rpa.execution_id']).toBe(executionId);
    }
    const runSpanIds = runs.map((run) => run.spanContext().spanId);

    const robotCalls = spans.filter((s) => s.name.startsWith('robot '));
    expect(robotCalls.length).toBe(proxy.headers.length);
    for (const call of robotCalls) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(runSpanIds).toContain(parentOf(call));
    }
    const robotSpanIds = robotCalls.map((s) => s.spanContext().spanId);
    for (const headers of proxy.headers) {
      expect(robotSpanIds).toContain(String(headers.traceparent).split('-')[2]);
    }

    const [delivery] = named('webhook delivery');
    const [post] = named('webhook POST');
    expect(delivery.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(post)).toBe(delivery.spanContext().spanId);
    expect(String(hook.headers.traceparent).split('-')[2]).toBe(post.spanContext().spanId);
  });

  it('should write the trace id next to the request id in the log lines', async () => {
    const lines = await waitFor(
      () =>
        readdirSync(logDir)
          .flatMap((file) => readFileSync(join(logDir, file), 'utf8').split('\n'))
          .filter((line) => line.includes('traced-request-1')),
      { what: 'log lines of the traced request', accept: (found) => found.length > 0 },
    );
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of parsed) expect(line.trace_id).toBe(TRACE_ID);
  });

  it('should start a new trace for a request that brings none', async () => {
    await sut.http.get('/v1/executions').set(bearer(key)).expect(200);
    const span = await waitFor(
      () => exporter.getFinishedSpans().find((s) => s.name === 'GET /v1/executions'),
      { what: 'the span of GET /v1/executions' },
    );
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
    expect(span.parentSpanContext).toBeUndefined();
  });
});

describe('TracingService with executors (e2e)', () => {
  let sut: TestApp;
  let exporter: InMemorySpanExporter;

  beforeAll(async () => {
    exporter = new InMemorySpanExporter();
    sut = await startTestApp(executorEnv({ LOG_LEVEL: 'error' }), { traceExporter: exporter });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should trace the hand-off of a run to an executor within the run', async () => {
    await upsertWorkflow(sut.http, USER, PROJECT);
    const key = await createKey(sut.http, USER, { name: 'k' });
    const executor = await TestExecutor.connect(sut.url, { key });
    try {
      const started = await sut.http
        .post('/v1/executions')
        .set(bearer(key))
        .set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`)
        .send({ project_id: PROJECT, params: {} })
        .expect(202);
      const executionId = started.body.data.execution.id as string;
      const frame = await executor.nextRun();
      executor.reply(frame.event_id as string, { code: '0000', msg: 'ok', data: {} });

      const spans = await waitFor(
        () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID),
        {
          what: 'the spans of the run',
          accept: (found) =>
            found.some((s) => s.name === 'executor dispatch') &&
            found.some((s) => s.name === 'execution run'),
        },
      );
      const runs = spans.filter((s) => s.name === 'execution run');
      const [dispatch] = spans.filter((s) => s.name === 'executor dispatch');
      expect(dispatch.kind).toBe(SpanKind.PRODUCER);
      expect(runs.map((run) => run.spanContext().spanId)).toContain(parentOf(dispatch));
      expect(dispatch.attributes).toMatchObject({
        'rpa.execution_id': executionId,
        'rpa.executor.event_id': frame.event_id,
      });
    } finally {
      executor.close();
    }
  });
});

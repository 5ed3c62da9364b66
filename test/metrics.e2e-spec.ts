import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { TestApp, startTestApp } from './support/app';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { LiveClient } from './support/live-events';
import { metricValue } from './support/metrics';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';
import { executionJobs } from './support/queues';

/** docs/operating.md lists these; each has its TYPE line and at least one sample. */
const SERIES: Array<[name: string, sample: string]> = [
  ['rpa_http_request_duration_seconds', 'rpa_http_request_duration_seconds_bucket'],
  ['rpa_executions_created_total', 'rpa_executions_created_total'],
  ['rpa_executions_started_total', 'rpa_executions_started_total'],
  ['rpa_executions_ended_total', 'rpa_executions_ended_total'],
  ['rpa_queue_jobs', 'rpa_queue_jobs'],
  ['rpa_queue_paused', 'rpa_queue_paused'],
  ['rpa_robot_call_duration_seconds', '# HELP rpa_robot_call_duration_seconds'],
  ['rpa_robot_call_errors_total', 'rpa_robot_call_errors_total'],
  ['rpa_socket_connections', 'rpa_socket_connections'],
  ['rpa_sse_streams', 'rpa_sse_streams'],
  ['process_cpu_user_seconds_total', 'process_cpu_user_seconds_total'],
  ['process_resident_memory_bytes', 'process_resident_memory_bytes'],
  ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_seconds'],
];

describe('Metrics (e2e)', () => {
  let sut: TestApp;
  let key: string;

  beforeAll(async () => {
    sut = await startTestApp({ SIM_DELAY_MS: '50' });
    await upsertWorkflow(sut.http, 'mia', 'p-metrics');
    key = await createKey(sut.http, 'mia');
  });
  afterAll(async () => {
    await sut?.close();
  });

  const scrape = async (): Promise<string> => {
    const res = await sut.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  async function runToEnd(params: Record<string, unknown>): Promise<ExecutionEntity> {
    const id = await startRun(sut.http, key, 'p-metrics', params);
    return waitForExecution(sut.db, id, (row) => row.end_time !== null);
  }

  it('should expose every listed series as Prometheus text without a token', async () => {
    // One request first, so the histogram has a series.
    await sut.http.get('/health').expect(200);
    const text = await scrape();
    for (const [name, sample] of SERIES) {
      const present = text.includes(`# TYPE ${name} `) && text.includes(`\n${sample}`);
      expect({ name, present }).toEqual({ name, present: true });
    }
    expect(metricValue(text, 'rpa_executions_ended_total', { status: 'CANCELLED' })).toBe(0);
    expect(text).toContain('# TYPE rpa_http_request_duration_seconds histogram');
    expect(metricValue(text, 'rpa_queue_jobs', { queue: 'executions', state: 'waiting' })).toBe(0);
    expect(metricValue(text, 'rpa_queue_paused', { queue: 'executions' })).toBe(0);
  });

  it('should move the execution, robot and HTTP series when executions run', async () => {
    const before = await scrape();
    const value = (text: string, name: string, labels: Record<string, string> = {}) =>
      metricValue(text, name, labels) ?? 0;

    const completed = await runToEnd({ n: 1 });
    expect(completed.status).toBe('COMPLETED');
    const failed = await runToEnd({ __sim: { fail: 'boom' } });
    expect(failed.status).toBe('FAILED');
    // The first create answers 500 (retried, then created): one robot error.
    const retried = await runToEnd({ __sim: { create_status: 500, create_failures: 1 } });
    expect(retried.status).toBe('COMPLETED');

    // The row ends before the final event is published (which moves the counters): wait for it.
    const deltaIn = (text: string, name: string, labels: Record<string, string> = {}) =>
      value(text, name, labels) - value(before, name, labels);
    const after = await waitFor(scrape, {
      what: 'the counters of the three ended executions',
      accept: (text) =>
        deltaIn(text, 'rpa_executions_ended_total', { status: 'COMPLETED' }) >= 2 &&
        deltaIn(text, 'rpa_executions_ended_total', { status: 'FAILED' }) >= 1,
    });
    const delta = (name: string, labels: Record<string, string> = {}) =>
      deltaIn(after, name, labels);
    expect(delta('rpa_executions_created_total')).toBe(3);
    expect(delta('rpa_executions_started_total')).toBe(3);
    expect(delta('rpa_executions_ended_total', { status: 'COMPLETED' })).toBe(2);
    expect(delta('rpa_executions_ended_total', { status: 'FAILED' })).toBe(1);
    expect(
      delta('rpa_robot_call_duration_seconds_count', { operation: 'create', outcome: 'ok' }),
    ).toBe(3);
    expect(
      delta('rpa_robot_call_duration_seconds_count', { operation: 'create', outcome: 'error' }),
    ).toBe(1);
    expect(
      delta('rpa_robot_call_duration_seconds_count', { operation: 'query', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(3);
    expect(delta('rpa_robot_call_errors_total', { operation: 'create', kind: 'http_5xx' })).toBe(1);
    // By route pattern and status, never the raw URL.
    expect(
      delta('rpa_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/executions',
        status_code: '202',
      }),
    ).toBe(3);
    await sut.http.get(`/v1/executions/${completed.id}`).set('Authorization', `Bearer ${key}`);
    const later = await scrape();
    expect(
      metricValue(later, 'rpa_http_request_duration_seconds_count', {
        route: '/v1/executions/:id',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(later).not.toContain(completed.id);
    // A job completes once its run has returned, after the execution row ended.
    await waitFor(scrape, {
      what: 'three completed jobs',
      accept: (text) => (metricValue(text, 'rpa_queue_jobs', { state: 'completed' }) ?? 0) >= 3,
    });
  });

  it('should report open SSE streams, the socket gauge, queue depth and a paused queue', async () => {
    const id = await startRun(sut.http, key, 'p-metrics', { __sim: { hang: true } });
    const stream = await openSse(`${sut.url}/v1/executions/${id}/events`, { headers: bearer(key) });
    expect(stream.status).toBe(200);
    try {
      await waitFor(async () => metricValue(await scrape(), 'rpa_sse_streams') ?? 0, {
        what: 'an open SSE stream counted',
        accept: (streams) => streams >= 1,
        timeoutMs: 10_000,
      });
    } finally {
      stream.disconnect();
    }
    const socket = await LiveClient.connect(sut.url, { token: key });
    try {
      expect(metricValue(await scrape(), 'rpa_socket_connections')).toBe(1);
    } finally {
      socket.close();
    }

    await sut.http.post(`/v1/executions/${id}/cancel`).set('Authorization', `Bearer ${key}`);

    const queue = executionJobs(sut.app);
    await queue.pause();
    try {
      await startRun(sut.http, key, 'p-metrics');
      const text = await scrape();
      expect(metricValue(text, 'rpa_queue_paused', { queue: 'executions' })).toBe(1);
      const queued =
        (metricValue(text, 'rpa_queue_jobs', { state: 'waiting' }) ?? 0) +
        (metricValue(text, 'rpa_queue_jobs', { state: 'prioritized' }) ?? 0);
      expect(queued).toBeGreaterThanOrEqual(1);
    } finally {
      await queue.resume();
    }
  });
});

describe('Metrics behind METRICS_TOKEN (e2e)', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp({ METRICS_TOKEN: TOKEN, APP_ROLE: 'worker' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should answer 401 without the token or with a wrong one, and the text with it', async () => {
    const missing = await sut.http.get('/metrics').expect(401);
    expect(missing.body).toMatchObject({ code: '5001', error: 'UNAUTHENTICATED' });
    await sut.http
      .get('/metrics')
      .set('Authorization', 'Bearer wrong-token-0123456789')
      .expect(401);
    const ok = await sut.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    // A worker serves /metrics too, labelled with its role.
    expect(metricValue(ok.text, 'rpa_queue_paused', { role: 'worker' })).toBe(0);
  });
});

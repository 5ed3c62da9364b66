import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { BaseMsg } from '../../apps/api/src/executor/executor-frames';
import type { TestApp } from './app';
import { createKey, upsertWorkflow } from './fixtures';
import { waitFor } from './wait';

/** A frame as the executor receives it (the engine's BaseMsg), `data` loosely typed. */
export interface Frame extends Omit<BaseMsg, 'data'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames are read field by field in assertions
  data?: any;
}

export interface ExecutorCredentials {
  /** Sent as `?key=`, as the engine's client does. */
  key?: string;
  /** Sent as `Authorization: Bearer`. */
  bearer?: string;
  /** The trusted `user_id` header. */
  userId?: string;
  /** Ping every this many ms (the engine pings every 30 s); 0: never. */
  pingMs?: number;
  /**
   * How the capabilities probe is answered: `legacy` (default) as an older engine does, with
   * an error string for the unknown route; `silent`: never; or as a managed engine.
   */
  probe?: 'legacy' | 'silent' | { clientId: string; supportsCancel?: boolean };
}

/** The engine's answer to a route it does not serve. */
export const UNKNOWN_ROUTE_ANSWER = 'func is not exist';

/**
 * A real WebSocket client of `/ws` that records every frame it receives, for protocol tests.
 * It speaks the engine's protocol by hand: tests send exactly the frames an executor sends.
 */
export class TestExecutor {
  readonly frames: Frame[] = [];
  readonly raw: string[] = [];
  closed?: { code: number; reason: string; at: number };
  private pinger?: NodeJS.Timeout;

  private constructor(
    readonly ws: WebSocket,
    private readonly probe: ExecutorCredentials['probe'] = 'legacy',
  ) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      try {
        const frame = JSON.parse(text) as Frame;
        this.frames.push(frame);
        this.answerProbe(frame);
      } catch {
        // Recorded raw only.
      }
    });
    ws.on('close', (code, reason) => {
      clearInterval(this.pinger);
      this.closed = { code, reason: reason.toString(), at: Date.now() };
    });
    ws.on('error', () => undefined);
  }

  /** Connects and waits for the outcome: open, or closed by the server. */
  static async connect(baseUrl: string, credentials: ExecutorCredentials): Promise<TestExecutor> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    if (credentials.key) url.searchParams.set('key', credentials.key);
    const headers: Record<string, string> = {};
    if (credentials.bearer) headers.Authorization = `Bearer ${credentials.bearer}`;
    if (credentials.userId) headers.user_id = credentials.userId;
    const ws = new WebSocket(url, { headers });
    const sut = new TestExecutor(ws, credentials.probe);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const pingMs = credentials.pingMs ?? 1000;
    if (pingMs > 0) sut.pinger = setInterval(() => sut.send({ channel: 'ping' }), pingMs);
    return sut;
  }

  private answerProbe(frame: Frame): void {
    if (frame.channel !== 'execution' || frame.data?.action !== 'capabilities') return;
    const probe = this.probe ?? 'legacy';
    if (probe === 'silent') return;
    const data =
      probe === 'legacy'
        ? UNKNOWN_ROUTE_ANSWER
        : { protocol: 1, clientId: probe.clientId, supportsCancel: probe.supportsCancel ?? true };
    this.answer(frame, data);
  }

  /** Replies to a frame as the engine's client does: same channel and key, reply_event_id. */
  answer(frame: Frame, data: unknown): void {
    this.send({
      event_id: `reply-${frame.event_id}`,
      event_time: Math.floor(Date.now() / 1000),
      channel: frame.channel,
      key: frame.key,
      uuid: frame.send_uuid,
      send_uuid: '$root$',
      reply_event_id: frame.event_id,
      data,
    });
  }

  /** Waits for the service's next managed command (`execution/control`) of this action. */
  nextControl(action: string, from = 0, timeoutMs = 20_000): Promise<Frame> {
    return this.next(
      (f) => f.channel === 'execution' && f.key === 'control' && f.data?.action === action,
      `an execution/control ${action}`,
      from,
      timeoutMs,
    );
  }

  controls(action: string): Frame[] {
    return this.frames.filter((f) => f.channel === 'execution' && f.data?.action === action);
  }

  /** Sends a receipt unsolicited, as a managed engine reports a run's progress. */
  push(data: unknown): void {
    this.send({
      event_id: `push-${Math.random().toString(36).slice(2)}`,
      event_time: Math.floor(Date.now() / 1000),
      channel: 'execution',
      key: 'control',
      send_uuid: '$root$',
      data,
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (after `from`) that `accept` takes. */
  next(accept: (frame: Frame) => boolean, what: string, from = 0, timeoutMs = 20_000) {
    return waitFor(() => this.frames.slice(from).find(accept), { what, timeoutMs });
  }

  runs(): Frame[] {
    return this.frames.filter((f) => f.channel === 'remote' && f.key === 'run');
  }

  nextRun(from = 0, timeoutMs = 20_000): Promise<Frame> {
    return this.next(
      (f) => f.channel === 'remote' && f.key === 'run',
      'a remote/run',
      from,
      timeoutMs,
    );
  }

  /** Answers a run as the engine's local scheduler would. */
  reply(eventId: string, data: unknown): void {
    this.send({
      event_id: `reply-${eventId}`,
      event_time: Math.floor(Date.now() / 1000),
      channel: 'remote',
      key: 'run',
      send_uuid: '$root$',
      reply_event_id: eventId,
      data,
    });
  }

  waitClosed(timeoutMs = 20_000) {
    return waitFor(() => this.closed, { what: 'the server to close the connection', timeoutMs });
  }

  close(): void {
    clearInterval(this.pinger);
    this.ws.close();
  }

  /** Drops the TCP connection without a close frame, as a crash or a cut network would. */
  terminate(): void {
    clearInterval(this.pinger);
    this.ws.terminate();
  }
}

/** The environment of an app that runs workflows on executors. */
export function executorEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ROBOT_MODE: 'executor',
    ROBOT_POLL_MIN_MS: '200',
    ROBOT_POLL_MAX_MS: '1000',
    ...overrides,
  };
}

/**
 * What every executor spec needs: a fresh user (workflow and API key of its own, so tests share
 * nothing) and executors connected to the app, closed by closeAll() after each test.
 */
export class ExecutorFixtures {
  private readonly open: TestExecutor[] = [];

  constructor(
    private readonly app: () => TestApp,
    private readonly prefix: string,
  ) {}

  async user(): Promise<{ userId: string; key: string; projectId: string }> {
    const userId = `${this.prefix}-${randomUUID().slice(0, 8)}`;
    // project_id is unique across users.
    const projectId = `wf-${userId}`;
    await upsertWorkflow(this.app().http, userId, projectId);
    const key = await createKey(this.app().http, userId);
    return { userId, key, projectId };
  }

  async executor(credentials: ExecutorCredentials): Promise<TestExecutor> {
    const e = await TestExecutor.connect(this.app().url, credentials);
    this.open.push(e);
    return e;
  }

  closeAll(): void {
    for (const e of this.open.splice(0)) e.close();
  }
}

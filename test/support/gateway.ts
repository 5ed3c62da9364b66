import { io, Socket } from 'socket.io-client';

/** Helpers of the live-events (Socket.IO) tests. */

export type Ack = { ok: true } | { ok: false; error: string; message: string };

export interface LiveEvent {
  type: string;
  payload: {
    execution_id: string;
    project_id: string;
    status: string;
    progress?: number;
    log?: { seq: number; level: string; message: string };
    result?: unknown;
    error?: string | null;
    ts: string;
  };
  receivedAt: number;
}

export interface SocketCredentials {
  token?: unknown;
  userId?: string;
  /** Sent as `Authorization: Bearer …` on the handshake request. */
  bearer?: string;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (${String(last ?? '')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A socket on `/executions` that records every event it receives. */
export class LiveClient {
  readonly events: LiveEvent[] = [];
  disconnectedAt?: number;
  disconnectReason?: string;

  private constructor(readonly socket: Socket) {
    socket.onAny((type: string, payload: LiveEvent['payload']) =>
      this.events.push({ type, payload, receivedAt: Date.now() }),
    );
    socket.on('disconnect', (reason) => {
      this.disconnectedAt = Date.now();
      this.disconnectReason = reason;
    });
  }

  static open(baseUrl: string, credentials: SocketCredentials): LiveClient {
    return new LiveClient(
      io(`${baseUrl}/executions`, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: credentials.token === undefined ? {} : { token: credentials.token },
        extraHeaders: {
          ...(credentials.userId ? { 'X-User-Id': credentials.userId } : {}),
          ...(credentials.bearer ? { Authorization: `Bearer ${credentials.bearer}` } : {}),
        },
      }),
    );
  }

  /** Connected, or rejects with the connect_error. */
  static async connect(baseUrl: string, credentials: SocketCredentials): Promise<LiveClient> {
    const client = LiveClient.open(baseUrl, credentials);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('connect', resolve);
      client.socket.once('connect_error', reject);
    });
    return client;
  }

  /** The connect_error of a refused handshake (fails if the handshake succeeds). */
  static async refusal(
    baseUrl: string,
    credentials: SocketCredentials,
  ): Promise<Error & { data?: { error: string; message: string } }> {
    const client = LiveClient.open(baseUrl, credentials);
    try {
      return await new Promise((resolve, reject) => {
        client.socket.once('connect', () => reject(new Error('the handshake was accepted')));
        client.socket.once('connect_error', resolve);
      });
    } finally {
      client.close();
    }
  }

  request(event: 'subscribe' | 'unsubscribe', payload?: unknown): Promise<Ack> {
    const socket = this.socket.timeout(10_000);
    return (
      payload === undefined ? socket.emitWithAck(event) : socket.emitWithAck(event, payload)
    ) as Promise<Ack>;
  }

  of(executionId: string): LiveEvent[] {
    return this.events.filter((e) => e.payload?.execution_id === executionId);
  }

  /** Waits for the final event of an execution and returns all of its events. */
  async untilFinal(executionId: string, timeoutMs = 20_000): Promise<LiveEvent[]> {
    await until(
      () => this.of(executionId).some((e) => /completed|failed|cancelled$/.test(e.type)),
      `the final event of ${executionId}`,
      timeoutMs,
    );
    return this.of(executionId);
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The event sequence of one run of the simulator: created (when the socket was there before
 * the start), started, progress and log lines, completed — in order, each once.
 */
export function expectOrderedRun(events: LiveEvent[], logLines: number): void {
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('execution.created');
  expect(types[1]).toBe('execution.started');
  expect(types.at(-1)).toBe('execution.completed');
  expect(types.filter((t) => t === 'execution.completed')).toHaveLength(1);
  const middle = types.slice(2, -1);
  // Log lines are all reported; progress steps only as often as the poll sees them change.
  expect(middle).toContain('execution.log');
  expect(middle.filter((t) => t !== 'execution.progress' && t !== 'execution.log')).toEqual([]);
  const progress = events
    .filter((e) => e.type === 'execution.progress')
    .map((e) => e.payload.progress ?? 0);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(new Set(progress).size).toBe(progress.length);
  const seqs = events.filter((e) => e.type === 'execution.log').map((e) => e.payload.log?.seq);
  expect(seqs).toEqual(Array.from({ length: logLines }, (_, i) => i + 1));
  const stamps = events.map((e) => Date.parse(e.payload.ts));
  expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  expect(events.map((e) => e.payload.status)).toEqual([
    'PENDING',
    'RUNNING',
    ...middle.map(() => 'RUNNING'),
    'COMPLETED',
  ]);
  for (const event of events) {
    expect(Object.keys(event.payload)).not.toContain('user_id');
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the tests
type Body = any;

/** REST calls of a test user against one api base URL. */
export class UserApi {
  constructor(
    readonly baseUrl: string,
    readonly userId: string,
  ) {}

  private async call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: Body }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(key ? { Authorization: `Bearer ${key}` } : { 'X-User-Id': this.userId }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }

  async workflow(projectId: string): Promise<void> {
    const res = await this.call('POST', '/workflows/upsert', {
      project_id: projectId,
      name: projectId,
    });
    expect(res.status).toBe(200);
  }

  async createKey(scopes?: string[]): Promise<{ key: string; id: number }> {
    const res = await this.call('POST', '/api-keys', { name: `key of ${this.userId}`, scopes });
    expect(res.status).toBe(201);
    return { key: res.body.data.api_key, id: Number(res.body.data.id) };
  }

  async revokeKey(id: number): Promise<void> {
    const res = await this.call('DELETE', `/api-keys/${id}`);
    expect(res.status).toBe(200);
  }

  /** Starts a simulated run: `sim` steers the robot simulator (delay_ms, progress_steps, log_lines). */
  async start(key: string, projectId: string, sim: Record<string, unknown>): Promise<string> {
    const res = await this.call(
      'POST',
      '/executions',
      { project_id: projectId, params: { n: 1, __sim: sim } },
      key,
    );
    expect(res.status).toBe(202);
    return res.body.data.execution.id as string;
  }

  async execution(key: string, id: string): Promise<{ status: number; body: Body }> {
    return this.call('GET', `/executions/${id}`, undefined, key);
  }
}

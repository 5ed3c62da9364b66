import { io, Socket } from 'socket.io-client';
import { waitFor } from './wait';

/** The Socket.IO client of the live-events tests, and what a run's events must look like. */

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
    await waitFor(() => this.of(executionId).map((e) => e.type), {
      what: `the final event of ${executionId}`,
      accept: (types) => types.some((type) => /completed|failed|cancelled$/.test(type)),
      timeoutMs,
    });
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

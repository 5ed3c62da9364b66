import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { ManagedExecutorRuns } from './executor-sim-managed';

/**
 * How the simulated executor answers a run. Defaults per simulator; a run's `__sim` variable
 * (a JSON object in run_param) overrides them for that run.
 */
export interface ExecutorSimBehaviour {
  /** Time from receiving the run to the reply. */
  delay_ms: number;
  /** Reply with code 5001 (a string becomes the msg). */
  fail: boolean | string;
  /** Never reply. */
  no_reply: boolean;
  /** Drop the connection on receiving the run, reconnect, then reply on the new one. */
  disconnect: boolean;
  /** Reply at once that the robot is busy (code 5001). */
  busy: boolean;
  /** Send the reply's data as a JSON string, as newer engines do. */
  string_data: boolean;
}

export const DEFAULT_EXECUTOR_BEHAVIOUR: ExecutorSimBehaviour = {
  delay_ms: 1000,
  fail: false,
  no_reply: false,
  disconnect: false,
  busy: false,
  string_data: false,
};

export interface ExecutorSimOptions {
  /** ws://host:port/ws */
  url: string;
  /** API key (sent as ?key=, as the engine's client does) … */
  key?: string;
  /** … or the trusted user header, behind the platform's gateway. */
  userId?: string;
  behaviour?: Partial<ExecutorSimBehaviour>;
  pingMs?: number;
  reconnectMs?: number;
  /**
   * Speak the managed protocol of newer engines (answer the capabilities probe with this
   * client id, take `start` / `get` / `cancel`, send receipts); otherwise answer the probe as
   * older engines do, with an error string, and take `remote/run`.
   */
  managedClientId?: string;
  /** Reports what happens (one line each): connected, run, reply, stop, closed. */
  log?: (line: string) => void;
}

interface Frame {
  event_id?: string;
  channel?: string;
  key?: string;
  need_reply?: boolean;
  data?: Record<string, unknown>;
}

/** What the engine answers on a route it does not serve. */
const UNKNOWN_ROUTE = 'func is not exist';

function sanitise(input: unknown): Partial<ExecutorSimBehaviour> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return {};
  const source = input as Record<string, unknown>;
  const out: Partial<ExecutorSimBehaviour> = {};
  if (typeof source.delay_ms === 'number' && source.delay_ms >= 0) out.delay_ms = source.delay_ms;
  if (typeof source.fail === 'boolean' || typeof source.fail === 'string') out.fail = source.fail;
  for (const flag of ['no_reply', 'disconnect', 'busy', 'string_data'] as const) {
    if (typeof source[flag] === 'boolean') out[flag] = source[flag];
  }
  return out;
}

/**
 * A simulated executor (the engine's trigger service): connects to `/ws`, keeps the
 * connection alive with pings, answers `remote/run` with its local scheduler's
 * `{code, msg, data}` (data: the run's variables echoed) and reconnects when dropped.
 */
export class ExecutorSimulator {
  private ws?: WebSocket;
  private pingTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly behaviour: ExecutorSimBehaviour;
  /** Replies waiting for a connection (after a simulated disconnect). */
  private readonly pending: Array<() => void> = [];
  readonly runs: Array<{ event_id: string; project_id: string }> = [];
  readonly stops: string[] = [];
  private readonly managed?: ManagedExecutorRuns;

  constructor(private readonly options: ExecutorSimOptions) {
    this.behaviour = { ...DEFAULT_EXECUTOR_BEHAVIOUR, ...sanitise(options.behaviour) };
    if (options.managedClientId) {
      this.managed = new ManagedExecutorRuns(options.managedClientId, (replyTo, receipt) =>
        this.sendReceipt(replyTo, receipt),
      );
    }
  }

  /** Resolves once connected the first time. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.connect(resolve, reject));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pingTimer);
    this.ws?.close(1000, 'executor stopping');
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private connect(onOpen?: () => void, onFail?: (err: Error) => void): void {
    const url = new URL(this.options.url);
    if (this.options.key) url.searchParams.set('key', this.options.key);
    const headers: Record<string, string> = {};
    if (this.options.userId) headers['user_id'] = this.options.userId;
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.log('connected');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(
        () => this.send({ channel: 'ping' }),
        this.options.pingMs ?? 30_000,
      );
      onOpen?.();
      onOpen = undefined;
      for (const reply of this.pending.splice(0)) reply();
    });
    ws.on('message', (raw) => this.onFrame(raw.toString()));
    ws.on('error', (err) => {
      this.log(`error ${err.message}`);
      onFail?.(err);
      onFail = undefined;
    });
    ws.on('close', (code, reason) => {
      this.log(`closed ${code} ${reason.toString()}`);
      clearInterval(this.pingTimer);
      if (this.stopped || onOpen) return;
      setTimeout(() => this.connect(), this.options.reconnectMs ?? 1000).unref();
    });
  }

  private send(frame: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private onFrame(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (frame.channel === 'execution') {
      this.control(frame);
      return;
    }
    if (frame.channel !== 'remote') return;
    if (frame.key === 'stop') {
      const id = String(frame.data?.execution_id ?? '');
      this.stops.push(id);
      this.log(`stop ${id}`);
      return;
    }
    if (frame.key === 'run' && frame.event_id) this.run(frame.event_id, frame.data ?? {});
  }

  /** `execution/control`: the managed protocol, or the error of an engine that lacks it. */
  private control(frame: Frame): void {
    const data = frame.data ?? {};
    if (!this.managed) {
      if (frame.need_reply) this.answer(frame, UNKNOWN_ROUTE);
      return;
    }
    const executionId = String(data.executionId ?? '');
    switch (data.action) {
      case 'capabilities':
        this.answer(frame, this.managed.capabilities());
        return;
      case 'start':
        this.startRun(frame, executionId, (data.payload ?? {}) as Record<string, unknown>);
        return;
      case 'get':
        this.managed.get(frame, executionId);
        return;
      case 'cancel':
        if (this.managed.cancel(frame, executionId)) {
          this.stops.push(executionId);
          this.log(`stop ${executionId}`);
        }
        return;
      default:
        this.answer(frame, { error: 'UNSUPPORTED_ACTION' });
    }
  }

  private startRun(frame: Frame, executionId: string, payload: Record<string, unknown>): void {
    const projectId = String(payload.projectId ?? '');
    const event = frame.event_id ?? '';
    this.runs.push({ event_id: event, project_id: projectId });
    this.log(`run ${event} ${projectId}`);
    const { __sim, ...params } = (payload.params ?? {}) as Record<string, unknown>;
    const behaviour = { ...this.behaviour, ...sanitise(__sim) };
    const plan = {
      delay_ms: behaviour.delay_ms,
      fail:
        behaviour.fail === false
          ? (false as const)
          : typeof behaviour.fail === 'string'
            ? behaviour.fail
            : 'simulated robot failure',
      no_reply: behaviour.no_reply,
      busy: behaviour.busy,
    };
    this.managed?.start(frame, executionId, params, plan);
    if (behaviour.disconnect && !behaviour.busy && !behaviour.no_reply) this.ws?.terminate();
  }

  /** A receipt as the reply to a command, or pushed; pushed ones wait for a reconnect. */
  private sendReceipt(replyTo: { event_id?: string } | null, receipt: unknown): void {
    if (replyTo) {
      this.answer(replyTo, receipt);
      return;
    }
    const push = () => this.sendFrame({ channel: 'execution', key: 'control', data: receipt });
    if (this.ws?.readyState === WebSocket.OPEN) push();
    else this.pending.push(push);
    const status = (receipt as { status?: string }).status;
    if (status !== 'running') this.log(`receipt ${status}`);
  }

  private answer(frame: { event_id?: string; channel?: string; key?: string }, data: unknown) {
    this.sendFrame({
      channel: frame.channel ?? 'execution',
      key: frame.key ?? 'control',
      reply_event_id: frame.event_id,
      data,
    });
  }

  /** A frame from this executor to the service, as the engine's client builds it. */
  private sendFrame(fields: Record<string, unknown>): void {
    this.send({
      event_id: randomUUID(),
      event_time: Math.floor(Date.now() / 1000),
      uuid: this.options.userId ?? '',
      send_uuid: '$root$',
      ...fields,
    });
  }

  private run(eventId: string, data: Record<string, unknown>): void {
    const projectId = String(data.project_id ?? '');
    this.runs.push({ event_id: eventId, project_id: projectId });
    this.log(`run ${eventId} ${projectId}`);
    const variables: Record<string, unknown> = {};
    try {
      const list = JSON.parse(String(data.run_param ?? '[]')) as Array<{
        varName: string;
        varValue: unknown;
      }>;
      for (const v of list) variables[v.varName] = v.varValue;
    } catch {
      // A run without readable variables still runs.
    }
    const { __sim, ...params } = variables;
    const behaviour = { ...this.behaviour, ...sanitise(__sim) };
    if (behaviour.no_reply) return;
    if (behaviour.busy) {
      this.reply(eventId, { code: '5001', msg: 'the robot is busy with another run', data: null });
      return;
    }
    const answer =
      behaviour.fail === false
        ? { code: '0000', msg: 'success', data: params }
        : {
            code: '5001',
            msg: typeof behaviour.fail === 'string' ? behaviour.fail : 'simulated robot failure',
            data: null,
          };
    const payload = behaviour.string_data ? JSON.stringify(answer) : answer;
    if (behaviour.disconnect) {
      this.pending.push(() => setTimeout(() => this.reply(eventId, payload), behaviour.delay_ms));
      this.ws?.terminate();
      return;
    }
    setTimeout(() => this.reply(eventId, payload), behaviour.delay_ms);
  }

  private reply(eventId: string, data: unknown): void {
    this.sendFrame({ channel: 'remote', key: 'run', reply_event_id: eventId, data });
    this.log(`reply ${eventId}`);
  }
}

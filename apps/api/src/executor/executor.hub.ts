import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppConfig, RedisService } from '@app/common';
import { MetricsService } from '../metrics';
import { CloseCodes, ExecutorChannels, StopCommand } from './executor.constants';
import { ExecutorConnection } from './executor-connection';
import { ExecutorEventType } from './executor.events';
import {
  BaseMsg,
  exitFrame,
  runFrame,
  RunFrameData,
  stopCurrentFrame,
  stopFrame,
} from './executor-frames';
import { ExecutorManagedService, ReceiptEffect } from './executor-managed.service';
import { ClaimedRun, ExecutorStore, PRESENCE_TTL_S } from './executor.store';

/** Waiting runs are looked for this often too, in case an announcement was missed. */
const SWEEP_MS = 1000;
/** Most runs claimed in one round trip. */
const CLAIM_BATCH = 32;

/**
 * The executors connected to this process: presence in Redis, dispatch of waiting runs to
 * free connections, replies, `remote/stop`, the silence timeout. Runs are claimed from Redis
 * atomically, so several processes share a user's queue without sending a run twice.
 */
@Injectable()
export class ExecutorHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutorHub.name);
  private readonly connections = new Map<string, ExecutorConnection>();
  private readonly byUser = new Map<string, Set<ExecutorConnection>>();
  /** One dispatch pass per user at a time, so a connection never takes more than its share. */
  private readonly pumps = new Map<string, { running: Promise<void>; again: boolean }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribes: Array<() => Promise<void>> = [];
  private stopping = false;

  constructor(
    private readonly store: ExecutorStore,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly metrics: MetricsService,
    private readonly managed: ExecutorManagedService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.metrics.countExecutorsWith(() => this.connections.size);
    this.unsubscribes.push(
      await this.redis.subscribe(ExecutorChannels.Work, (userId) => {
        if (this.hasFree(userId)) this.pump(userId);
      }),
      await this.redis.subscribe(ExecutorChannels.Control, (message) => this.onControl(message)),
      await this.redis.subscribe(ExecutorChannels.StopCurrent, (userId) => {
        for (const conn of this.byUser.get(userId) ?? []) conn.send(stopCurrentFrame(userId));
      }),
    );
    const { pingTimeoutMs } = this.config.executor;
    const every = (ms: number, work: () => void) => {
      const timer = setInterval(work, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every((PRESENCE_TTL_S * 1000) / 3, () => void this.refreshPresence());
    every(SWEEP_MS, () => {
      for (const userId of this.byUser.keys()) if (this.hasFree(userId)) this.pump(userId);
    });
    every(Math.max(50, Math.min(5000, Math.floor(pingTimeoutMs / 4))), () => this.closeSilent());
  }

  get size(): number {
    return this.connections.size;
  }

  async add(conn: ExecutorConnection): Promise<void> {
    this.connections.set(conn.id, conn);
    let set = this.byUser.get(conn.userId);
    if (!set) this.byUser.set(conn.userId, (set = new Set()));
    set.add(conn);
    await this.store.addConnection({
      id: conn.id,
      user_id: conn.userId,
      address: conn.address,
      connected_at: conn.connectedAt,
    });
    this.emit(ExecutorEventType.Connected, conn);
    conn.closeAtExpiry();
    // Runs wait for the probe: the protocol decides which frame carries them.
    this.managed.probe(conn).then(
      () => this.pump(conn.userId),
      (err: Error) => {
        this.logger.warn(`Capabilities of executor ${conn.id} unknown: ${err.message}`);
        this.pump(conn.userId);
      },
    );
  }

  /** The connection is gone: its unanswered runs start their grace (a reconnect may reply). */
  async remove(conn: ExecutorConnection, reason: string): Promise<void> {
    if (!this.connections.delete(conn.id)) return;
    conn.markClosed();
    const set = this.byUser.get(conn.userId);
    set?.delete(conn);
    if (set?.size === 0) this.byUser.delete(conn.userId);
    const unanswered = [...conn.running];
    conn.running.clear();
    try {
      await this.store.markLost(unanswered);
      await this.store.removeConnection(conn.id, conn.userId);
      await Promise.all(unanswered.map((id) => this.redis.publish(ExecutorChannels.Settled, id)));
    } catch (err) {
      // Presence expires on its own; followers notice the connection is gone.
      this.logger.warn(`Could not record executor ${conn.id} leaving: ${(err as Error).message}`);
    }
    this.emit(ExecutorEventType.Disconnected, conn, reason);
  }

  seen(conn: ExecutorConnection): void {
    conn.lastSeenAt = Date.now();
  }

  async pinged(conn: ExecutorConnection): Promise<void> {
    conn.lastPingAt = Date.now();
    await this.store.touchConnection(conn.id, conn.lastPingAt);
  }

  /** An answer to a `remote/run`; ignored unless it is this user's and the run still waits. */
  async reply(conn: ExecutorConnection, eventId: string, data: unknown): Promise<boolean> {
    const dispatchedTo = await this.store.recordReply(eventId, conn.userId, data);
    if (dispatchedTo === null) {
      this.logger.debug(`Ignored a reply of executor ${conn.id} to unknown or ended ${eventId}`);
      return false;
    }
    this.connections.get(dispatchedTo)?.running.delete(eventId);
    await this.redis.publish(ExecutorChannels.Settled, eventId);
    this.pump(conn.userId);
    return true;
  }

  /** A frame on the execution channel (managed protocol): a probe answer or a receipt. */
  async execution(conn: ExecutorConnection, frame: BaseMsg): Promise<void> {
    const effect = await this.managed.onFrame(conn, frame);
    if (effect) await this.settled(conn.userId, effect);
  }

  private async settled(userId: string, effect: ReceiptEffect): Promise<void> {
    if (effect.endedOn) this.connections.get(effect.endedOn)?.running.delete(effect.eventId);
    await this.redis.publish(ExecutorChannels.Settled, effect.eventId);
    if (effect.endedOn) this.pump(userId);
  }

  /** Closes the connections that authenticated with one of these (revoked) keys. */
  closeKeys(keyIds: readonly number[]): void {
    for (const conn of this.connections.values()) {
      if (conn.keyId !== undefined && keyIds.includes(conn.keyId)) {
        conn.unauthenticated('The API key was revoked');
      }
    }
  }

  private hasFree(userId: string): boolean {
    const max = this.config.executor.maxRunsPerConnection;
    for (const conn of this.byUser.get(userId) ?? []) {
      if (this.takes(conn, max)) return true;
    }
    return false;
  }

  private takes(conn: ExecutorConnection, max: number): boolean {
    return conn.open && conn.protocol !== 'probing' && conn.running.size < max;
  }

  /** Hands the user's waiting runs to its free connections here, most urgent first. */
  private pump(userId: string): void {
    if (this.stopping) return;
    const current = this.pumps.get(userId);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { running: Promise.resolve(), again: false };
    this.pumps.set(userId, entry);
    entry.running = (async () => {
      do {
        entry.again = false;
        try {
          await this.fill(userId);
        } catch (err) {
          this.logger.warn(`Dispatch for ${userId} failed: ${(err as Error).message}`);
        }
      } while (entry.again && !this.stopping);
      this.pumps.delete(userId);
    })();
  }

  private async fill(userId: string): Promise<void> {
    const max = this.config.executor.maxRunsPerConnection;
    for (;;) {
      // One slot per free run place, the least busy connections first, so runs spread.
      const conns = [...(this.byUser.get(userId) ?? [])].filter((c) => this.takes(c, max));
      if (conns.length === 0) return;
      if (max > 1) conns.sort((a, b) => a.running.size - b.running.size);
      // A few slots per claim: a user with a thousand idle executors must not send a thousand
      // connection ids to Redis for every run; a full batch claims again.
      const slots: string[] = [];
      for (let load = 0; load < max && slots.length < CLAIM_BATCH; load++) {
        for (const c of conns) {
          if (slots.length === CLAIM_BATCH) break;
          if (c.running.size <= load) slots.push(c.id);
        }
      }
      const claimed = await this.store.claim(userId, slots);
      for (const run of claimed) await this.send(userId, run);
      // Fewer runs than slots: the queue is empty.
      if (claimed.length < slots.length) return;
    }
  }

  private async send(userId: string, run: ClaimedRun): Promise<void> {
    const conn = this.connections.get(run.conn_id);
    if (conn) {
      conn.running.add(run.event_id);
      // The claim recorded which protocol the run goes by: a managed run gets `start`.
      const sent = run.client_id
        ? this.managed.start(conn, run)
        : conn.send(runFrame(run.event_id, userId, JSON.parse(run.frame) as RunFrameData));
      if (sent) {
        this.metrics.executorDispatches.inc();
        return;
      }
      conn.running.delete(run.event_id);
    }
    // Closed between the claim and the send: the run is that connection's, now lost.
    await this.store.markLost([run.event_id]);
    await this.redis.publish(ExecutorChannels.Settled, run.event_id);
  }

  private onControl(message: string): void {
    let command: StopCommand;
    try {
      command = JSON.parse(message) as StopCommand;
    } catch {
      return;
    }
    if (command.action === 'get') {
      const target = this.holder(command);
      if (target?.managed) this.managed.ask(target, command.event_id, command.execution_id);
      return;
    }
    const conn = this.connections.get(command.conn_id);
    if (conn) conn.running.delete(command.event_id);
    const target = this.holder(command);
    if (target?.managed && command.client_id) {
      this.managed.cancel(target, command.event_id, command.execution_id, command.run_id);
    } else if (conn) {
      conn.send(stopFrame(command.user_id, command.execution_id, command.project_id));
    }
    if (conn) this.pump(conn.userId);
  }

  /**
   * The connection holding a run here: the one it was sent to or, for a managed run, the
   * connection its client reconnected on.
   */
  private holder(command: StopCommand): ExecutorConnection | undefined {
    const conn = this.connections.get(command.conn_id);
    if (conn?.open || !command.client_id) return conn;
    for (const c of this.byUser.get(command.user_id) ?? []) {
      if (c.open && c.managed && c.clientId === command.client_id) return c;
    }
    return undefined;
  }

  private closeSilent(): void {
    const limit = this.config.executor.pingTimeoutMs;
    const now = Date.now();
    for (const conn of this.connections.values()) {
      if (conn.open && now - conn.lastSeenAt > limit) {
        const reason = `No frame for ${limit} ms: closing (send a ping at least every 30 s)`;
        conn.send(exitFrame('PING_TIMEOUT', reason));
        conn.close(CloseCodes.Normal, 'ping timeout');
      }
    }
  }

  private async refreshPresence(): Promise<void> {
    try {
      await this.store.refresh([...this.connections.keys()]);
    } catch (err) {
      this.logger.warn(`Could not refresh executor presence: ${(err as Error).message}`);
    }
  }

  private emit(type: ExecutorEventType, conn: ExecutorConnection, reason?: string): void {
    this.events.emit(type, conn.event(type, reason));
  }

  /** Before the HTTP server closes: executors reconnect elsewhere and may still reply. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const conn of this.connections.values()) {
      conn.send(exitFrame('SHUTDOWN', 'The server is shutting down; reconnect'));
      conn.close(CloseCodes.GoingAway, 'server shutting down');
      await this.remove(conn, 'server shutting down');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled(this.unsubscribes.map((u) => u()));
  }
}

import { Injectable } from '@nestjs/common';
import { KeyStoreCommands, RedisService } from '@app/common';
import { ExecutorChannels } from './executor.constants';

/** Where a dispatched run stands; kept in Redis, so any process can follow it. */
export type ExecutorRunStatus =
  'waiting' | 'dispatched' | 'replied' | 'cancelled' | 'no_executor' | 'lost';

export interface ExecutorRun {
  event_id: string;
  execution_id: string;
  user_id: string;
  project_id: string;
  status: ExecutorRunStatus;
  /** JSON of the `remote/run` frame's data. */
  frame: string;
  created_at: number;
  conn_id?: string;
  dispatched_at?: number;
  /** When the executor's connection was seen gone (the grace starts then). */
  lost_at?: number;
  /** JSON of the reply frame's `data`, as received (managed: the terminal receipt). */
  reply?: string;
  error?: string;
  /** Set when the run went to a managed connection (`start` instead of `remote/run`). */
  protocol?: 'managed';
  client_id?: string;
  run_id?: string;
  /** When the last receipt came, and when the executor was last asked for one (`get`). */
  receipt_at?: number;
  asked_at?: number;
}

export interface ClaimedRun {
  event_id: string;
  conn_id: string;
  execution_id: string;
  project_id: string;
  frame: string;
  /** The connection's client id when it speaks the managed protocol. */
  client_id?: string;
}

/** What recording a receipt did: ended the run, noted it, refused it, or found nothing to do. */
export type ReceiptRecord =
  | { kind: 'terminal'; connId: string }
  | { kind: 'recorded' }
  | { kind: 'mismatch'; reason: string }
  | { kind: 'ignored' };

export interface ExecutorConnectionRecord {
  id: string;
  user_id: string;
  connected_at: number;
  last_ping_at: number | null;
  address: string;
  running: string[];
}

/** Run records outlive any run limit (ROBOT_TIMEOUT_MS is at most 7 days). */
const RUN_TTL_S = 8 * 24 * 3600;
/** A connection's presence lives this long unless its process refreshes it. */
export const PRESENCE_TTL_S = 30;

// Queues the run and announces it to the processes holding executors (ARGV[9]: the Work
// channel) in the same round trip: a dispatch waits for no second call.
const REGISTER = `
local existing = redis.call('GET', KEYS[1])
if existing then
  redis.call('PUBLISH', ARGV[9], ARGV[5])
  return existing
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('HSET', KEYS[2], 'execution_id', ARGV[4], 'user_id', ARGV[5], 'project_id', ARGV[6],
  'frame', ARGV[7], 'status', 'waiting', 'created_at', ARGV[8])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[9], ARGV[5])
return ARGV[1]`;

// Pops the user's most urgent waiting runs and binds one to each free slot given (a connection
// id per slot), atomically: two processes (or two connections) can never take the same run.
const CLAIM = `
local out = {}
local slot = 5
while slot <= #ARGV do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then break end
  local id = popped[1]
  local run = ARGV[1] .. id
  if redis.call('HGET', run, 'status') == 'waiting' then
    local conn = ARGV[slot]
    slot = slot + 1
    redis.call('HSET', run, 'status', 'dispatched', 'conn_id', conn, 'dispatched_at', ARGV[3])
    local p = redis.call('HMGET', ARGV[2] .. conn, 'protocol', 'client_id')
    local client = ''
    if p[1] == 'managed' and p[2] then
      client = p[2]
      redis.call('HSET', run, 'protocol', 'managed', 'client_id', client)
    end
    local runs = ARGV[2] .. conn .. ':runs'
    redis.call('SADD', runs, id)
    redis.call('EXPIRE', runs, ARGV[4])
    local f = redis.call('HMGET', run, 'execution_id', 'project_id', 'frame')
    table.insert(out, id)
    table.insert(out, conn)
    table.insert(out, f[1])
    table.insert(out, f[2])
    table.insert(out, f[3])
    table.insert(out, client)
  end
end
return out`;

// Records a `remote/run` reply once, only from the run's own user and only while it is dispatched.
const REPLY = `
local s = redis.call('HMGET', KEYS[1], 'status', 'user_id', 'conn_id', 'protocol')
if not s[1] or s[2] ~= ARGV[1] or s[1] ~= 'dispatched' then return false end
-- A managed run ends by a receipt only.
if s[4] == 'managed' then return false end
redis.call('HSET', KEYS[1], 'status', 'replied', 'reply', ARGV[3], 'replied_at', ARGV[2])
redis.call('SREM', ARGV[4] .. s[3] .. ':runs', ARGV[5])
return s[3]`;

// Records a managed receipt once its ids match the run (its user, execution, client and, once
// known, its run id); a terminal one ends the run as a reply does.
const RECEIPT = `
local s = redis.call('HMGET', KEYS[1], 'status', 'user_id', 'conn_id', 'execution_id', 'client_id',
  'run_id', 'protocol')
if not s[1] or s[2] ~= ARGV[1] or s[7] ~= 'managed' then return {'ignored'} end
if s[1] ~= 'dispatched' then return {'ignored'} end
if s[4] ~= ARGV[3] then return {'mismatch', 'executionId'} end
if s[5] ~= ARGV[4] then return {'mismatch', 'clientId'} end
if s[6] and s[6] ~= '' and ARGV[5] ~= '' and s[6] ~= ARGV[5] then return {'mismatch', 'runId'} end
redis.call('HSET', KEYS[1], 'receipt_at', ARGV[2])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'run_id', ARGV[5]) end
if ARGV[6] ~= '1' then return {'recorded'} end
redis.call('HSET', KEYS[1], 'status', 'replied', 'reply', ARGV[7], 'replied_at', ARGV[2])
redis.call('SREM', ARGV[8] .. s[3] .. ':runs', ARGV[9])
return {'terminal', s[3]}`;

// Ends a run that is in one of the allowed states; answers its previous state and connection.
const FINISH = `
local s = redis.call('HMGET', KEYS[1], 'status', 'user_id', 'conn_id')
if not s[1] then return false end
local allowed = false
for i = 4, #ARGV do if ARGV[i] == s[1] then allowed = true end end
if not allowed then return false end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'error', ARGV[2], 'ended_at', ARGV[3])
if s[1] == 'waiting' then redis.call('ZREM', KEYS[2] .. s[2], KEYS[3]) end
if s[1] == 'dispatched' and s[3] then redis.call('SREM', KEYS[4] .. s[3] .. ':runs', KEYS[3]) end
return {s[1], s[3] or ''}`;

type RegisterCommand = (
  execKey: string,
  runKey: string,
  waitingKey: string,
  eventId: string,
  ttlS: number,
  score: number,
  executionId: string,
  userId: string,
  projectId: string,
  frame: string,
  createdAt: number,
  workChannel: string,
) => Promise<string>;

type ClaimCommand = (
  waitingKey: string,
  runPrefix: string,
  connPrefix: string,
  dispatchedAt: number,
  runsTtlS: number,
  ...connIds: string[]
) => Promise<string[]>;

type ReplyCommand = (
  runKey: string,
  userId: string,
  repliedAt: number,
  reply: string,
  connPrefix: string,
  eventId: string,
) => Promise<string | null>;

type ReceiptCommand = (
  runKey: string,
  userId: string,
  receiptAt: number,
  executionId: string,
  clientId: string,
  runId: string,
  terminal: '1' | '0',
  receipt: string,
  connPrefix: string,
  eventId: string,
) => Promise<[kind: string, detail?: string]>;

// KEYS[3] is the event id itself (kept as a key: the script's layout predates this type).
type FinishCommand = (
  runKey: string,
  waitingPrefix: string,
  eventId: string,
  connPrefix: string,
  to: ExecutorRunStatus,
  error: string,
  endedAt: number,
  ...from: ExecutorRunStatus[]
) => Promise<[previous: string, connId: string] | null>;

/**
 * Every Redis key of the executor bridge behind one class: run records, the per-user queue
 * of waiting runs, connections' presence. Shared by the processes that hold connections and
 * the workers that follow runs.
 */
@Injectable()
export class ExecutorStore {
  /** Hashes, sets and pipelines on the keys this class owns; nothing else reaches them. */
  private readonly redis: KeyStoreCommands;
  private readonly registerRun: RegisterCommand;
  private readonly claimRuns: ClaimCommand;
  private readonly reply: ReplyCommand;
  private readonly receipt: ReceiptCommand;
  private readonly finishRun: FinishCommand;

  constructor(private readonly redisService: RedisService) {
    this.redis = redisService.keyStoreCommands();
    this.registerRun = redisService.script<RegisterCommand>('executorRegister', 3, REGISTER);
    this.claimRuns = redisService.script<ClaimCommand>('executorClaim', 1, CLAIM);
    this.reply = redisService.script<ReplyCommand>('executorReply', 1, REPLY);
    this.receipt = redisService.script<ReceiptCommand>('executorReceipt', 1, RECEIPT);
    this.finishRun = redisService.script<FinishCommand>('executorFinish', 4, FINISH);
  }

  private key(...parts: string[]): string {
    return this.redisService.key('executor', ...parts);
  }
  private runKey(eventId: string): string {
    return this.key('run', eventId);
  }
  private connKey(connId: string): string {
    return this.key('conn', connId);
  }
  private waitingKey(userId: string): string {
    return this.key('waiting', userId);
  }

  /**
   * Queues a run for the user's executors and announces it, once per execution: a second call
   * (a job resumed after a crash) answers the event id of the first and queues nothing.
   */
  register(run: {
    event_id: string;
    execution_id: string;
    user_id: string;
    project_id: string;
    priority: number;
    frame: string;
  }): Promise<string> {
    const now = Date.now();
    // Priority first (1 most urgent), then first come first served.
    const score = run.priority * 1e13 + now;
    return this.registerRun(
      this.key('exec', run.execution_id),
      this.runKey(run.event_id),
      this.waitingKey(run.user_id),
      run.event_id,
      RUN_TTL_S,
      score,
      run.execution_id,
      run.user_id,
      run.project_id,
      run.frame,
      now,
      this.redisService.key(ExecutorChannels.Work),
    );
  }

  /**
   * Takes up to `slots.length` of the user's waiting runs, most urgent first, the n-th for the
   * connection `slots[n]`; one round trip however many.
   */
  async claim(userId: string, slots: string[]): Promise<ClaimedRun[]> {
    if (slots.length === 0) return [];
    const flat = await this.claimRuns(
      this.waitingKey(userId),
      this.key('run', ''),
      this.key('conn', ''),
      Date.now(),
      PRESENCE_TTL_S * 4,
      ...slots,
    );
    const claimed: ClaimedRun[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) {
      const [event_id, conn_id, execution_id, project_id, frame, client] = flat.slice(i, i + 6);
      claimed.push({
        event_id,
        conn_id,
        execution_id,
        project_id,
        frame,
        ...(client ? { client_id: client } : {}),
      });
    }
    return claimed;
  }

  /** The connection the run was dispatched to, or null when this reply does not count. */
  recordReply(eventId: string, userId: string, data: unknown): Promise<string | null> {
    return this.reply(
      this.runKey(eventId),
      userId,
      Date.now(),
      JSON.stringify(data ?? null),
      this.key('conn', ''),
      eventId,
    );
  }

  /** Records a receipt checked for shape; `terminal` ends the run with it. */
  async recordReceipt(
    eventId: string,
    userId: string,
    receipt: { executionId: string; clientId: string; runId: string | null },
    terminal: boolean,
  ): Promise<ReceiptRecord> {
    const [kind, detail = ''] = await this.receipt(
      this.runKey(eventId),
      userId,
      Date.now(),
      receipt.executionId,
      receipt.clientId,
      receipt.runId ?? '',
      terminal ? '1' : '0',
      JSON.stringify(receipt),
      this.key('conn', ''),
      eventId,
    );
    if (kind === 'terminal') return { kind, connId: detail };
    if (kind === 'mismatch') return { kind, reason: `its ${detail} does not match the run` };
    if (kind === 'recorded') return { kind };
    return { kind: 'ignored' };
  }

  /** The run of an execution (receipts name executions, not event ids). */
  eventOf(executionId: string): Promise<string | null> {
    return this.redis.get(this.key('exec', executionId));
  }

  /** Notes that the executor was asked for a receipt, so followers do not ask again at once. */
  async markAsked(eventId: string, at = Date.now()): Promise<void> {
    await this.redis.hset(this.runKey(eventId), 'asked_at', at);
  }

  /** Moves a run from one of `from` to `to`; null when it was in none of them. */
  async finish(
    eventId: string,
    from: ExecutorRunStatus[],
    to: ExecutorRunStatus,
    error = '',
  ): Promise<{ previous: ExecutorRunStatus; connId: string } | null> {
    const answer = await this.finishRun(
      this.runKey(eventId),
      this.key('waiting', ''),
      eventId,
      this.key('conn', ''),
      to,
      error,
      Date.now(),
      ...from,
    );
    if (!answer) return null;
    return { previous: answer[0] as ExecutorRunStatus, connId: answer[1] };
  }

  async get(eventId: string): Promise<ExecutorRun | null> {
    const raw = await this.redis.hgetall(this.runKey(eventId));
    if (!raw.status) return null;
    const num = (v?: string) => (v ? Number(v) : undefined);
    return {
      event_id: eventId,
      execution_id: raw.execution_id,
      user_id: raw.user_id,
      project_id: raw.project_id,
      status: raw.status as ExecutorRunStatus,
      frame: raw.frame,
      created_at: Number(raw.created_at),
      conn_id: raw.conn_id || undefined,
      dispatched_at: num(raw.dispatched_at),
      lost_at: num(raw.lost_at),
      reply: raw.reply,
      error: raw.error || undefined,
      ...(raw.protocol === 'managed'
        ? {
            protocol: 'managed' as const,
            client_id: raw.client_id,
            run_id: raw.run_id || undefined,
            receipt_at: num(raw.receipt_at),
            asked_at: num(raw.asked_at),
          }
        : {}),
    };
  }

  /** Starts the grace of runs whose connection is gone (kept if already started). */
  async markLost(eventIds: string[], at = Date.now()): Promise<void> {
    if (eventIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of eventIds) pipeline.hsetnx(this.runKey(id), 'lost_at', at);
    await pipeline.exec();
  }

  // --- presence -------------------------------------------------------------------------

  async addConnection(conn: {
    id: string;
    user_id: string;
    address: string;
    connected_at: number;
  }): Promise<void> {
    await this.redis
      .multi()
      .hset(this.connKey(conn.id), {
        user_id: conn.user_id,
        address: conn.address,
        connected_at: conn.connected_at,
      })
      .expire(this.connKey(conn.id), PRESENCE_TTL_S)
      .sadd(this.key('user', conn.user_id, 'conns'), conn.id)
      .sadd(this.key('conns'), conn.id)
      .exec();
  }

  /** What the capabilities probe found; runs claimed for the connection afterwards carry it. */
  async setProtocol(connId: string, protocol: 'managed' | 'legacy', clientId?: string) {
    // With its expiry: a connection that left meanwhile must not leave a record for good.
    await this.redis
      .multi()
      .hset(this.connKey(connId), { protocol, ...(clientId ? { client_id: clientId } : {}) })
      .expire(this.connKey(connId), PRESENCE_TTL_S)
      .exec();
  }

  async touchConnection(connId: string, pingAt: number): Promise<void> {
    await this.redis.hset(this.connKey(connId), 'last_ping_at', pingAt);
  }

  /** Keeps the presence of this process's connections alive. */
  async refresh(connIds: string[]): Promise<void> {
    if (connIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of connIds) {
      pipeline.expire(this.connKey(id), PRESENCE_TTL_S);
      pipeline.expire(this.key('conn', id, 'runs'), PRESENCE_TTL_S * 4);
    }
    await pipeline.exec();
  }

  async removeConnection(connId: string, userId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.connKey(connId), this.key('conn', connId, 'runs'))
      .srem(this.key('user', userId, 'conns'), connId)
      .srem(this.key('conns'), connId)
      .exec();
  }

  async isConnected(connId: string): Promise<boolean> {
    return (await this.redis.exists(this.connKey(connId))) === 1;
  }

  /** The user's live connections (entries left by a crashed process are dropped). */
  async connectionsOf(userId: string): Promise<ExecutorConnectionRecord[]> {
    return this.describe(this.key('user', userId, 'conns'));
  }

  async allConnections(): Promise<ExecutorConnectionRecord[]> {
    return this.describe(this.key('conns'));
  }

  async hasConnection(userId: string): Promise<boolean> {
    return (await this.connectionsOf(userId)).length > 0;
  }

  private async describe(setKey: string): Promise<ExecutorConnectionRecord[]> {
    const ids = await this.redis.smembers(setKey);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.hgetall(this.connKey(id));
      pipeline.smembers(this.key('conn', id, 'runs'));
    }
    const answers = (await pipeline.exec()) ?? [];
    const live: Array<Omit<ExecutorConnectionRecord, 'running'> & { runs: string[] }> = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const hash = answers[2 * i]?.[1] as Record<string, string> | undefined;
      const runs = (answers[2 * i + 1]?.[1] as string[] | undefined) ?? [];
      if (!hash?.user_id) {
        stale.push(id);
        return;
      }
      live.push({
        id,
        user_id: hash.user_id,
        connected_at: Number(hash.connected_at),
        last_ping_at: hash.last_ping_at ? Number(hash.last_ping_at) : null,
        address: hash.address ?? '',
        runs,
      });
    });
    if (stale.length > 0) await this.redis.srem(setKey, ...stale);
    // Connections list execution ids, not the protocol's event ids.
    const eventIds = live.flatMap((c) => c.runs);
    const executionOf = new Map<string, string>();
    if (eventIds.length > 0) {
      const lookup = this.redis.pipeline();
      for (const id of eventIds) lookup.hget(this.runKey(id), 'execution_id');
      const found = (await lookup.exec()) ?? [];
      eventIds.forEach((id, i) => {
        const executionId = found[i]?.[1];
        if (typeof executionId === 'string') executionOf.set(id, executionId);
      });
    }
    return live
      .map(({ runs, ...conn }) => ({
        ...conn,
        running: runs.map((id) => executionOf.get(id)).filter((id): id is string => !!id),
      }))
      .sort((a, b) => a.connected_at - b.connected_at);
  }
}

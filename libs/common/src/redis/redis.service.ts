import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config';
import { withinRedisDeadline } from './redis-deadline';

type Handler = (message: string) => void;

const PUBLISH_TIMEOUT_MS = 2000;

/** The raw commands a key-owning store runs on its own keys (see `keyStoreCommands`). */
export type KeyStoreCommands = Pick<
  Redis,
  'get' | 'exists' | 'hset' | 'hgetall' | 'smembers' | 'srem' | 'pipeline' | 'multi'
>;

/**
 * The process's Redis connections: one for commands, one dedicated to subscriptions
 * (a subscribed connection cannot run commands). Every key and channel is namespaced
 * by REDIS_PREFIX so that several deployments and test runs share one Redis safely.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  /** The command connection; callers use the intent methods below. */
  private readonly client: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly config: AppConfig) {
    this.client = this.connect('commands');
  }

  /** ioredis options for REDIS_URL; BullMQ and the Socket.IO adapter reuse them. */
  static optionsFrom(url: string): RedisOptions {
    const parsed = new URL(url);
    const db = parsed.pathname.replace('/', '');
    return {
      host: parsed.hostname,
      port: Number(parsed.port || 6379),
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      db: db ? Number(db) : 0,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
    };
  }

  get options(): RedisOptions {
    return RedisService.optionsFrom(this.config.redisUrl);
  }

  key(...parts: Array<string | number>): string {
    return [this.config.redisPrefix, ...parts].join(':');
  }

  /** A new connection for a component that must own one (BullMQ workers, adapters). */
  connect(name: string, extra: RedisOptions = {}): Redis {
    const connection = new Redis({
      ...this.options,
      connectionName: `${this.config.redisPrefix}:${name}`,
      lazyConnect: false,
      ...extra,
    });
    // Without a listener ioredis prints every failed reconnect; readiness reports the outage.
    connection.on('error', (err: Error) => this.logger.debug(`redis ${name}: ${err.message}`));
    return connection;
  }

  /**
   * Publishes on a namespaced channel. While Redis is away ioredis queues the command until it
   * reconnects; the caller waits at most `timeoutMs` for that and gets RedisUnavailable, so
   * that no request hangs on an outage (the message still goes out when Redis is back).
   */
  async publish(channel: string, message: string, timeoutMs = PUBLISH_TIMEOUT_MS): Promise<void> {
    await withinRedisDeadline(
      `publishing on ${channel}`,
      this.client.publish(this.key(channel), message),
      timeoutMs,
    );
  }

  /** `operation` on Redis, bounded by REDIS_DEADLINE_MS (see withinRedisDeadline). */
  within<T>(what: string, operation: Promise<T>): Promise<T> {
    return withinRedisDeadline(what, operation);
  }

  /**
   * Subscribes to a namespaced channel; returns the function that unsubscribes. Resolves once
   * Redis confirms, or as soon as Redis turns out to be unreachable: the service must start
   * without it (readiness reports the outage), and the subscription is made when it answers.
   */
  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    const sub = this.ensureSubscriber();
    const full = this.key(channel);
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      const subscribed = sub.subscribe(full);
      subscribed.catch((err: Error) => this.logger.warn(`Subscribing to ${full}: ${err.message}`));
      await settledOrUnreachable(sub, subscribed);
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(full);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(full);
        // While Redis is away the command would wait in the offline queue for ever.
        if (sub.status === 'ready') await sub.unsubscribe(full).catch(() => undefined);
      }
    };
  }

  /**
   * Called when the subscriber is ready again after being away (lost, or not reachable at
   * start): messages may have been missed meanwhile.
   */
  onResubscribe(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The command connection is up (false while Redis is away or not yet reached). */
  get reachable(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Sets a namespaced key to `value` for `ttlMs` unless it exists: true when this call set it
   * (a claim among processes).
   */
  async claim(key: string, value: string | number, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.key(key), value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Sets a namespaced key to `value` for `ttlMs`, whatever it held. */
  async setFor(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(this.key(key), value, 'PX', ttlMs);
  }

  /** Reads and deletes a namespaced key in one step: its value, or null. */
  take(key: string): Promise<string | null> {
    return this.client.getdel(this.key(key));
  }

  /** The value of a namespaced key, or null. */
  get(key: string): Promise<string | null> {
    return this.client.get(this.key(key));
  }

  /** Entries of a namespaced stream after `afterId` (exclusive), oldest first, at most `count`. */
  streamAfter(key: string, afterId: string, count: number): Promise<Array<[string, string[]]>> {
    return this.client.xrange(this.key(key), `(${afterId}`, '+', 'COUNT', count);
  }

  /** The id of the newest entry of a namespaced stream, or null. */
  async streamLastId(key: string): Promise<string | null> {
    const entries = await this.client.xrevrange(this.key(key), '+', '-', 'COUNT', 1);
    return entries[0]?.[0] ?? null;
  }

  /** Deletes namespaced keys; how many existed. */
  async remove(...keys: string[]): Promise<number> {
    return keys.length ? this.client.del(...keys.map((key) => this.key(key))) : 0;
  }

  /**
   * Registers a Lua script on the command connection; returns it as a function taking its
   * keys (already namespaced by the caller) then its arguments. Redis caches the script by
   * its hash, so each call sends the hash only.
   */
  script<Command extends (...args: never[]) => Promise<unknown>>(
    name: string,
    numberOfKeys: number,
    lua: string,
  ): Command {
    const commands = this.client as unknown as Record<string, Command>;
    if (!(name in commands)) this.client.defineCommand(name, { numberOfKeys, lua });
    return commands[name].bind(this.client) as Command;
  }

  /**
   * Raw commands for a store that owns a key space outright — its layout, hashes, sets and
   * pipelines — and keeps every one of them inside that one class (today ExecutorStore).
   * Keys are not namespaced here: the store builds them with `key()`. Everything else uses
   * the intent methods; a generic wrapper per command would only move the same coupling here.
   */
  keyStoreCommands(): KeyStoreCommands {
    return this.client;
  }

  /**
   * Rejects with the reason the command connection cannot answer now; a PING sent while
   * disconnected would only wait in the offline queue.
   */
  async probe(): Promise<void> {
    const { status } = this.client;
    if (status !== 'ready') throw new Error(`connection is ${status}`);
    if ((await this.client.ping()) !== 'PONG') throw new Error('unexpected PING answer');
  }

  private ensureSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    const sub = this.connect('subscriber');
    let away = false;
    sub.on('close', () => (away = true));
    sub.on('ready', () => {
      if (away) for (const listener of this.reconnectListeners) listener();
      away = false;
    });
    sub.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(message);
        } catch (err) {
          this.logger.error({ err }, `handler for ${channel} failed`);
        }
      }
    });
    this.subscriber = sub;
    return sub;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([closeRedis(this.client), closeRedis(this.subscriber)]);
  }
}

/** Waits for `pending` unless (or until) the connection fails and goes on retrying. */
async function settledOrUnreachable(connection: Redis, pending: Promise<unknown>): Promise<void> {
  if (connection.status === 'reconnecting' || connection.status === 'end') return;
  let away: () => void = () => undefined;
  try {
    await Promise.race([
      pending,
      new Promise<void>((resolve) => {
        away = resolve;
        connection.once('reconnecting', away).once('end', away);
      }),
    ]);
  } finally {
    connection.off('reconnecting', away).off('end', away);
  }
}

/** QUIT waits behind queued commands, which never leave the queue while Redis is away. */
export async function closeRedis(connection: Redis | undefined): Promise<void> {
  if (!connection) return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  await connection.quit().catch(() => connection.disconnect());
}

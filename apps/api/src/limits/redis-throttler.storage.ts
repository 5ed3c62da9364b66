import { Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RedisService } from '@app/common';

/**
 * One atomic step of a fixed window with blocking, the semantics of the throttler's
 * in-memory storage: while blocked, answer blocked without counting; otherwise count the hit;
 * past the limit, block for `blockDuration` and start a fresh window after it.
 * KEYS: hits, block. ARGV: ttl ms, limit, block ms.
 * Returns {hits, window ms left, blocked (0|1), block ms left}.
 */
const INCREMENT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {tonumber(redis.call('GET', KEYS[2]) or ARGV[2]), blockLeft, 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], hits, 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type Incrementer = (
  hitsKey: string,
  blockKey: string,
  ttlMs: number,
  limit: number,
  blockMs: number,
) => Promise<[number, number, number, number]>;

/**
 * ThrottlerStorage in Redis, so a limit holds across every api process sharing it. Keys live
 * under `<REDIS_PREFIX>:throttle:`; a Lua script makes each step atomic.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly incrementScript: Incrementer;

  constructor(private readonly redis: RedisService) {
    this.incrementScript = redis.script<Incrementer>('rpaThrottleIncrement', 2, INCREMENT);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = this.redis.key('throttle', throttlerName, key);
    const [hits, left, blocked, blockLeft] = await this.redis.within(
      'counting the start budget',
      this.incrementScript(
        `${base}:hits`,
        `${base}:block`,
        Math.max(1, Math.ceil(ttl)),
        limit,
        Math.max(1, Math.ceil(blockDuration)),
      ),
    );
    return {
      totalHits: Number(hits),
      timeToExpire: Math.ceil(Number(left) / 1000),
      isBlocked: Number(blocked) === 1,
      timeToBlockExpire: Math.ceil(Number(blockLeft) / 1000),
    };
  }
}

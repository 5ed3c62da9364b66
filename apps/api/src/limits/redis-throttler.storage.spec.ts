import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig, RedisService, closeRedis, parseConfig } from '@app/common';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describe(RedisThrottlerStorage.name, () => {
  const prefix = `rpatest:throttle-${randomBytes(4).toString('hex')}`;
  let redis: RedisService;
  /** The spec's own connection, to look at the keys the storage wrote. */
  let raw: Redis;
  let sut: RedisThrottlerStorage;

  beforeAll(() => {
    const config = new AppConfig(
      parseConfig({
        REDIS_PREFIX: prefix,
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
      }),
    );
    redis = new RedisService(config);
    raw = redis.connect('spec');
    sut = new RedisThrottlerStorage(redis);
  });
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}:*`);
    if (keys.length) await raw.del(...keys);
    await closeRedis(raw);
    await redis.onApplicationShutdown();
  });

  it('should count hits in a window and tell the time left', async () => {
    const first = await sut.increment('count', 60_000, 3, 60_000, 'default');
    const second = await sut.increment('count', 60_000, 3, 60_000, 'default');
    expect(first).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(second).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(second.timeToExpire).toBeGreaterThan(0);
    expect(second.timeToExpire).toBeLessThanOrEqual(60);
    expect(await raw.exists(`${prefix}:throttle:default:count:hits`)).toBe(1);
  });

  it('should block past the limit for blockDuration without counting, then start afresh', async () => {
    for (let i = 0; i < 2; i++) await sut.increment('block', 60_000, 2, 30_000, 'default');
    const over = await sut.increment('block', 60_000, 2, 30_000, 'default');
    expect(over).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 30 });
    const still = await sut.increment('block', 60_000, 2, 30_000, 'default');
    expect(still.isBlocked).toBe(true);
    expect(still.timeToBlockExpire).toBeGreaterThan(0);
    const blockKey = `${prefix}:throttle:default:block:block`;
    expect(await raw.pttl(blockKey)).toBeGreaterThan(0);
    // The block expiring (done by hand here) opens a fresh window.
    await raw.del(blockKey);
    const after = await sut.increment('block', 60_000, 2, 30_000, 'default');
    expect(after).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('should let exactly `limit` of many concurrent hits through', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => sut.increment('race', 60_000, 10, 60_000, 'default')),
    );
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
  });

  it('should keep separate budgets per key and per throttler name', async () => {
    await sut.increment('a', 60_000, 1, 60_000, 'default');
    expect((await sut.increment('a', 60_000, 1, 60_000, 'default')).isBlocked).toBe(true);
    expect((await sut.increment('b', 60_000, 1, 60_000, 'default')).isBlocked).toBe(false);
    expect((await sut.increment('a', 60_000, 1, 60_000, 'other')).isBlocked).toBe(false);
  });
});

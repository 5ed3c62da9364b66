import { randomBytes } from 'node:crypto';
import { AppConfig, RedisService, closeRedis, parseConfig } from '@app/common';
import { RobotPollPacer } from './robot-poll-pacer';

describe(RobotPollPacer.name, () => {
  const prefix = `rpatest:pacer-${randomBytes(4).toString('hex')}`;
  let redis: RedisService;

  const build = (rateMax: number) => {
    const config = new AppConfig(
      parseConfig({
        REDIS_PREFIX: prefix,
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        ROBOT_POLL_RATE_MAX: String(rateMax),
      }),
    );
    redis ??= new RedisService(config);
    return new RobotPollPacer(redis, config);
  };
  afterAll(async () => {
    const raw = redis.connect('spec');
    const keys = await raw.keys(`${prefix}:*`);
    if (keys.length) await raw.del(...keys);
    await closeRedis(raw);
    await redis.onApplicationShutdown();
  });

  it('should spread looks around the delay asked for (±10 %)', async () => {
    const sut = build(0);
    const now = Date.now();
    const looks = await Promise.all(
      Array.from({ length: 50 }, () => sut.plan(10_000, now + 3_600_000)),
    );
    for (const at of looks) {
      expect(at - now).toBeGreaterThanOrEqual(9_000);
      expect(at - now).toBeLessThanOrEqual(11_000 + (Date.now() - now));
    }
    expect(new Set(looks).size).toBeGreaterThan(40);
  });

  it('should plan at most ROBOT_POLL_RATE_MAX looks in any second, moving the rest later', async () => {
    const sut = build(5);
    const now = Date.now();
    const looks = await Promise.all(
      Array.from({ length: 40 }, () => sut.plan(1000, now + 600_000)),
    );
    const perSecond = new Map<number, number>();
    for (const at of looks) {
      const second = Math.floor(at / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    expect(perSecond.size).toBeGreaterThanOrEqual(8);
    expect(Math.min(...looks) - now).toBeGreaterThanOrEqual(900);
  });

  it('should never plan a look past the deadline', async () => {
    const sut = build(1);
    const deadline = Date.now() + 2000;
    const looks = await Promise.all(Array.from({ length: 10 }, () => sut.plan(1500, deadline)));
    expect(Math.max(...looks)).toBeLessThanOrEqual(deadline);
    expect(await sut.plan(5000, deadline)).toBe(deadline);
  });
});

import { InProcessRedis } from '../redis/redis.fake';
import { SharedCache } from './shared-cache';

describe(SharedCache.name, () => {
  let redis: InProcessRedis;
  let sut: SharedCache<string>;
  const load = (value: string) => vi.fn(async () => value);

  beforeEach(async () => {
    redis = new InProcessRedis();
    sut = new SharedCache<string>(redis.asService, {
      channel: 'things:changed',
      ttlMs: 60_000,
      negativeTtlMs: 0,
    });
    await sut.start();
  });

  it('should answer from the cache until another process announces a change', async () => {
    await sut.get('a', load('v1'));
    const cachedLoad = load('v2');
    expect(await sut.get('a', cachedLoad)).toBe('v1');
    expect(cachedLoad).not.toHaveBeenCalled();

    redis.deliver('things:changed', 'a');

    expect(await sut.get('a', load('v2'))).toBe('v2');
  });

  it('should drop the keys at once and publish them when this process announces', async () => {
    await sut.get('a', load('v1'));
    await sut.get('b', load('v1'));
    redis.failPublish = true;

    await expect(sut.announce(['a'])).rejects.toThrow('Redis is unavailable');

    expect(await sut.get('a', load('v2'))).toBe('v2');
    expect(await sut.get('b', load('v2'))).toBe('v1');
  });

  it('should publish the message it is given', async () => {
    await sut.announce(['a', 'b'], '{"keys":["a","b"]}');

    expect(redis.published).toEqual([['things:changed', '{"keys":["a","b"]}']]);
  });

  it('should read the stale keys out of a message with staleKeys', async () => {
    const parsed = new SharedCache<string>(redis.asService, {
      channel: 'json:changed',
      ttlMs: 60_000,
      negativeTtlMs: 0,
      staleKeys: (message) => (JSON.parse(message) as { keys: string[] }).keys,
    });
    await parsed.start();
    await parsed.get('a', load('v1'));

    redis.deliver('json:changed', '{"keys":["a"]}');

    expect(await parsed.get('a', load('v2'))).toBe('v2');
  });

  it('should tell onAnnounced of the messages it did not ignore', async () => {
    const told: string[] = [];
    const hooked = new SharedCache<string>(redis.asService, {
      channel: 'hooked',
      ttlMs: 60_000,
      negativeTtlMs: 0,
      staleKeys: (message) => (message === 'noise' ? null : [message]),
      onAnnounced: (message) => told.push(message),
    });
    await hooked.start();
    await hooked.get('a', load('v1'));

    redis.deliver('hooked', 'noise');
    redis.deliver('hooked', 'a');

    expect(told).toEqual(['a']);
    expect(await hooked.get('a', load('v2'))).toBe('v2');
  });

  it('should forget everything when the subscriber comes back after being away', async () => {
    await sut.get('a', load('v1'));

    for (const listener of redis.resubscribeListeners) listener();

    expect(await sut.get('a', load('v2'))).toBe('v2');
  });

  it('should stop listening when stopped', async () => {
    await sut.get('a', load('v1'));

    await sut.stop();
    redis.deliver('things:changed', 'a');

    expect(await sut.get('a', load('v2'))).toBe('v1');
    expect(redis.resubscribeListeners).toHaveLength(0);
  });
});

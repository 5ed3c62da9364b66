import { ReplyError } from 'ioredis';
import { RedisUnavailable, withinRedisDeadline } from './redis-deadline';

describe(withinRedisDeadline.name, () => {
  it('should answer what the operation answers in time', async () => {
    await expect(withinRedisDeadline('reading', Promise.resolve(7), 100)).resolves.toBe(7);
  });

  it('should give up after the deadline with RedisUnavailable naming the operation', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();

    const sut = withinRedisDeadline('queueing the execution', never, 50);

    await expect(sut).rejects.toBeInstanceOf(RedisUnavailable);
    await expect(sut).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      message: 'Redis is unavailable (queueing the execution); try again',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('should turn a connection error into RedisUnavailable', async () => {
    const refused = Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

    await expect(withinRedisDeadline('counting', refused, 100)).rejects.toBeInstanceOf(
      RedisUnavailable,
    );
  });

  it('should pass an error Redis answered as it is: that is a bug, not an outage', async () => {
    const wrongType = Promise.reject(new ReplyError('WRONGTYPE Operation against a key'));

    await expect(withinRedisDeadline('reading', wrongType, 100)).rejects.toBeInstanceOf(ReplyError);
  });
});

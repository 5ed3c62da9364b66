import { ReplyError } from 'ioredis';
import { RedisUnavailable } from '../redis/redis-deadline';
import { ensureEveryScheduler } from './every-scheduler';
import { InMemorySchedulerQueue } from './scheduler-queue.fake';

describe(ensureEveryScheduler.name, () => {
  const hourly = { name: 'prune', everyMs: 3_600_000, what: 'the pruning' };
  let queue: InMemorySchedulerQueue;

  beforeEach(() => {
    queue = new InMemorySchedulerQueue();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should create a missing scheduler, the job named after it', async () => {
    const created = await ensureEveryScheduler(queue, hourly);

    expect(created).toBe(true);
    expect(queue.upserts).toEqual([
      {
        id: 'prune',
        every: 3_600_000,
        name: 'prune',
        opts: { removeOnComplete: 50, removeOnFail: 50 },
      },
    ]);
  });

  it('should write nothing when Redis holds the scheduler with the same interval', async () => {
    await ensureEveryScheduler(queue, hourly);

    const again = await ensureEveryScheduler(queue, hourly);

    expect(again).toBe(false);
    expect(queue.upserts).toHaveLength(1);
  });

  it('should replace a scheduler whose interval differs', async () => {
    await ensureEveryScheduler(queue, { ...hourly, everyMs: 60_000 });

    const replaced = await ensureEveryScheduler(queue, hourly);

    expect(replaced).toBe(true);
    expect(queue.schedulers.get('prune')?.every).toBe(3_600_000);
  });

  it('should accept a failed upsert when another worker created the scheduler meanwhile', async () => {
    queue.failUpsert = new Error('job id collision');
    queue.raceWith = { every: 3_600_000, name: 'prune', opts: {} };

    const created = await ensureEveryScheduler(queue, hourly);

    expect(created).toBe(false);
  });

  it('should pass on a failed upsert when the scheduler is still missing', async () => {
    queue.failUpsert = new ReplyError('ERR boom');

    await expect(ensureEveryScheduler(queue, hourly)).rejects.toThrow('ERR boom');
  });

  it('should give up with RedisUnavailable when Redis does not answer', async () => {
    vi.useFakeTimers();
    queue.away = true;

    const pending = ensureEveryScheduler(queue, hourly);
    const outcome = expect(pending).rejects.toThrow(RedisUnavailable);
    await vi.advanceTimersByTimeAsync(3000);

    await outcome;
    expect(queue.upserts).toEqual([]);
  });
});

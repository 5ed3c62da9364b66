import type { JobsOptions } from 'bullmq';
import { withinRedisDeadline } from '../redis/redis-deadline';

/** The two calls of a BullMQ queue that keeping a job scheduler needs (a fake in specs). */
export interface SchedulerQueue {
  getJobScheduler(id: string): Promise<{ every?: number } | undefined>;
  upsertJobScheduler(
    id: string,
    repeat: { every: number },
    template: { name: string; opts: JobsOptions },
  ): Promise<unknown>;
}

/** A job scheduler of the service's own: one `name` job every `everyMs`. */
export interface EveryScheduler {
  /** Scheduler id and job name alike. */
  name: string;
  everyMs: number;
  /** How log lines and errors name it. */
  what: string;
}

/**
 * Creates the job scheduler unless Redis holds it with the same interval: true when it was
 * (re)created. Read first, so a pass over a scheduler that is there writes nothing: an upsert
 * would replace its next job at every pass. Each call waits for Redis at most
 * REDIS_DEADLINE_MS (RedisUnavailable), so a pass never hangs on an outage.
 */
export async function ensureEveryScheduler(
  queue: SchedulerQueue,
  scheduler: EveryScheduler,
): Promise<boolean> {
  const { name, everyMs, what } = scheduler;
  const holds = async () =>
    (await withinRedisDeadline(`reading ${what}`, queue.getJobScheduler(name)))?.every === everyMs;
  if (await holds()) return false;
  try {
    await withinRedisDeadline(
      `scheduling ${what}`,
      queue.upsertJobScheduler(
        name,
        { every: everyMs },
        { name, opts: { removeOnComplete: 50, removeOnFail: 50 } },
      ),
    );
  } catch (err) {
    // Another worker upserted the same scheduler at the same moment: it is there.
    if (await holds().catch(() => false)) return false;
    throw err;
  }
  return true;
}

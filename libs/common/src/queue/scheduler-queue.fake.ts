import type { JobsOptions } from 'bullmq';
import type { SchedulerQueue } from './every-scheduler';

interface Held {
  every: number;
  name: string;
  opts: JobsOptions;
}

/**
 * For unit specs: the job schedulers of one queue in memory, with what was upserted, and
 * switches for a Redis that is away (calls never answer) or an upsert that fails.
 */
export class InMemorySchedulerQueue implements SchedulerQueue {
  readonly schedulers = new Map<string, Held>();
  readonly upserts: Array<{ id: string; every: number; name: string; opts: JobsOptions }> = [];
  /** While set, every call waits for ever, as BullMQ does before it first reaches Redis. */
  away = false;
  /** The next upsert rejects with this, after `raceWith` (if set) got in first. */
  failUpsert?: Error;
  raceWith?: Held;

  async getJobScheduler(id: string): Promise<{ every?: number } | undefined> {
    await this.reachable();
    const held = this.schedulers.get(id);
    return held && { every: held.every };
  }

  async upsertJobScheduler(
    id: string,
    repeat: { every: number },
    template: { name: string; opts: JobsOptions },
  ): Promise<unknown> {
    await this.reachable();
    if (this.failUpsert) {
      const err = this.failUpsert;
      this.failUpsert = undefined;
      if (this.raceWith) this.schedulers.set(id, this.raceWith);
      throw err;
    }
    this.upserts.push({ id, every: repeat.every, ...template });
    this.schedulers.set(id, { every: repeat.every, ...template });
    return id;
  }

  private reachable(): Promise<void> {
    return this.away ? new Promise<void>(() => undefined) : Promise.resolve();
  }
}

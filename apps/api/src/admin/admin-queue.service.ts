import { Injectable } from '@nestjs/common';
import { QUEUE_STATES, QueueState, withinRedisDeadline } from '@app/common';
import { ExecutionQueue } from '../execution/execution.queue';
import { CleanResultDto, CleanableState, QueueStatusDto } from './dto/admin.dto';

const REPORTED_IDS = 1000;

/** Operator actions on the executions queue (docs/operating.md). */
@Injectable()
export class AdminQueueService {
  constructor(private readonly executions: ExecutionQueue) {}

  private get queue() {
    return this.executions.queue;
  }

  async status(): Promise<QueueStatusDto> {
    const [counts, paused] = await withinRedisDeadline(
      'reading the queue',
      Promise.all([this.queue.getJobCounts(...QUEUE_STATES), this.queue.isPaused()]),
    );
    const count = (state: QueueState) => Number(counts[state] ?? 0);
    return {
      queue: this.queue.name,
      paused,
      counts: {
        waiting: count('waiting'),
        prioritized: count('prioritized'),
        active: count('active'),
        delayed: count('delayed'),
        completed: count('completed'),
        failed: count('failed'),
        waiting_children: count('waiting-children'),
      },
    };
  }

  /** Global pause: no worker anywhere takes a new job; active ones go on. */
  async pause(): Promise<QueueStatusDto> {
    await withinRedisDeadline('pausing the queue', this.queue.pause());
    return this.status();
  }

  async resume(): Promise<QueueStatusDto> {
    await withinRedisDeadline('resuming the queue', this.queue.resume());
    return this.status();
  }

  /** Moves every failed job back to waiting; returns how many left the failed set. */
  async retryFailed(): Promise<number> {
    const before = await withinRedisDeadline('reading the queue', this.queue.getFailedCount());
    await withinRedisDeadline(
      'retrying failed jobs',
      this.queue.retryJobs({ state: 'failed', count: 1000 }),
    );
    const after = await withinRedisDeadline('reading the queue', this.queue.getFailedCount());
    return Math.max(before - after, 0);
  }

  async clean(state: CleanableState, olderThanMs: number, limit = 10_000): Promise<CleanResultDto> {
    const ids = await withinRedisDeadline(
      'cleaning the queue',
      this.queue.clean(olderThanMs, limit, state),
    );
    return { state, removed: ids.length, job_ids: ids.slice(0, REPORTED_IDS) };
  }
}

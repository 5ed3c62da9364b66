import { Injectable } from '@nestjs/common';
import { QueueState } from '@app/common';
import { ExecutionQueue } from '../execution';
import { CleanResultDto, CleanableState, QueueStatusDto } from './dto/admin.dto';

const REPORTED_IDS = 1000;

/** Operator actions on the executions queue (docs/operating.md). */
@Injectable()
export class AdminQueueService {
  constructor(private readonly queue: ExecutionQueue) {}

  async status(): Promise<QueueStatusDto> {
    const { counts, paused } = await this.queue.snapshot();
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
    await this.queue.pause();
    return this.status();
  }

  async resume(): Promise<QueueStatusDto> {
    await this.queue.resume();
    return this.status();
  }

  /** Moves every failed job back to waiting; returns how many left the failed set. */
  async retryFailed(): Promise<number> {
    return this.queue.retryFailed();
  }

  async clean(state: CleanableState, olderThanMs: number, limit = 10_000): Promise<CleanResultDto> {
    const ids = await this.queue.clean(state, olderThanMs, limit);
    return { state, removed: ids.length, job_ids: ids.slice(0, REPORTED_IDS) };
  }
}

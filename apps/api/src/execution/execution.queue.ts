import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, JobState, Queue } from 'bullmq';
import {
  ObservableQueue,
  QUEUE_STATES,
  QueueSnapshot,
  traceCarrier,
  withinRedisDeadline,
} from '@app/common';
import { EXECUTION_QUEUE, ExecutionJob, ExecutionJobData } from './execution.constants';
import { queuePriority } from './start-priority';

/** Attempts cover internal errors (database, Redis); robot failures end a run, not a job. */
const JOB_ATTEMPTS = 5;
/** Failed jobs moved back to waiting per retry call (BullMQ's page size for retryJobs). */
const RETRY_PAGE = 1000;

/** Finished job states an operator may clean. */
export type FinishedJobState = 'completed' | 'failed';

/**
 * The one owner of the executions queue: the producer, the job reads of the reconciler and
 * the operator actions of /admin and /metrics. The job id is the execution id. Every call
 * waits for Redis at most REDIS_DEADLINE_MS (RedisUnavailable, 503), so no request hangs on
 * an outage. The BullMQ handle stays inside; Bull Board finds the queue by its name.
 */
@Injectable()
export class ExecutionQueue implements ObservableQueue {
  constructor(@InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue<ExecutionJobData>) {}

  get name(): string {
    return this.queue.name;
  }

  /**
   * Adding a job whose id exists is a no-op in BullMQ, so an execution never runs twice.
   * `priority` is the run's (1–10); `backlog`, the runs its user had in flight before it,
   * orders it among the runs of other users of that priority (see queuePriority).
   */
  async enqueue(data: ExecutionJobData, priority: number, backlog = 0): Promise<void> {
    const trace = data.trace ?? traceCarrier();
    await withinRedisDeadline(
      'queueing the execution',
      this.queue.add(ExecutionJob.Run, trace ? { ...data, trace } : data, {
        jobId: data.executionId,
        priority: queuePriority(priority, backlog),
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      }),
    );
  }

  /** Removes a job that is not being processed; false when it is active (or gone). */
  async removeIfIdle(executionId: string): Promise<boolean> {
    try {
      return (await withinRedisDeadline('removing a job', this.queue.remove(executionId))) === 1;
    } catch {
      return false;
    }
  }

  async state(executionId: string): Promise<JobState | 'unknown'> {
    return withinRedisDeadline('reading a job', this.queue.getJobState(executionId));
  }

  async job(executionId: string): Promise<Job<ExecutionJobData> | undefined> {
    return withinRedisDeadline('reading a job', this.queue.getJob(executionId));
  }

  /**
   * Runs the parked job's next step now, ahead of the looks already due at its priority: a
   * pushed change is news, a due fallback look most likely is not (its priority is kept).
   * A job that is not parked (waiting, or a step runs) is left as it is.
   */
  async runParkedNow(job: Job<ExecutionJobData>): Promise<void> {
    try {
      await job.promote();
    } catch {
      return;
    }
    await job.changePriority({ priority: job.priority, lifo: true }).catch(() => undefined);
  }

  async snapshot(): Promise<QueueSnapshot> {
    const [counts, paused] = await withinRedisDeadline(
      'reading the queue',
      Promise.all([this.queue.getJobCounts(...QUEUE_STATES), this.queue.isPaused()]),
    );
    return { counts, paused };
  }

  /** Global pause: no worker anywhere takes a new job; active ones go on. */
  async pause(): Promise<void> {
    await withinRedisDeadline('pausing the queue', this.queue.pause());
  }

  async resume(): Promise<void> {
    await withinRedisDeadline('resuming the queue', this.queue.resume());
  }

  /** Moves failed jobs back to waiting; returns how many left the failed set. */
  async retryFailed(): Promise<number> {
    const before = await withinRedisDeadline('reading the queue', this.queue.getFailedCount());
    await withinRedisDeadline(
      'retrying failed jobs',
      this.queue.retryJobs({ state: 'failed', count: RETRY_PAGE }),
    );
    const after = await withinRedisDeadline('reading the queue', this.queue.getFailedCount());
    return Math.max(before - after, 0);
  }

  /** Removes up to `limit` jobs that finished in `state` at least `olderThanMs` ago; their ids. */
  async clean(state: FinishedJobState, olderThanMs: number, limit: number): Promise<string[]> {
    return withinRedisDeadline('cleaning the queue', this.queue.clean(olderThanMs, limit, state));
  }
}

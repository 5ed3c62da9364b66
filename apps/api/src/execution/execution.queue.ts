import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, JobState, Queue } from 'bullmq';
import { traceCarrier, withinRedisDeadline } from '@app/common';
import { EXECUTION_QUEUE, ExecutionJob, ExecutionJobData } from './execution.constants';
import { queuePriority } from './start-priority';

/** Attempts cover internal errors (database, Redis); robot failures end a run, not a job. */
const JOB_ATTEMPTS = 5;

/**
 * The one producer of the executions queue. The job id is the execution id. Every call waits
 * for Redis at most REDIS_DEADLINE_MS (RedisUnavailable, 503), so no request hangs on an outage.
 */
@Injectable()
export class ExecutionQueue {
  constructor(@InjectQueue(EXECUTION_QUEUE) readonly queue: Queue<ExecutionJobData>) {}

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
}

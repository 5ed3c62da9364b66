import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DelayedError, Job, WaitingError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { APP_SHUTDOWN_EVENT, JobOf, inSpan, RedisService, SpanKind } from '@app/common';
import { ExecutionJobData, ExecutionJobs } from './execution.constants';
import { ExecutionCancellation, RunInterrupted } from './execution.cancellation';
import { ExecutionRunner, StepOutcome } from './execution.runner';
import { TaskSettlement } from './task.settlement';

/**
 * Thin: runs one step of each job through ExecutionRunner inside a logging context carrying
 * the request id and a span continuing the trace that enqueued it, then parks the job
 * (delayed, holding no slot) until its next look, or lets it complete. Errors propagate so
 * that BullMQ retries. Registered with worker options from configuration by
 * ExecutionWorkerModule.
 */
@Injectable()
export class ExecutionProcessor extends WorkerHost {
  private readonly logger = new Logger(ExecutionProcessor.name);

  constructor(
    private readonly runner: ExecutionRunner,
    private readonly pino: PinoLogger,
    private readonly cancellation: ExecutionCancellation,
    private readonly redis: RedisService,
    private readonly settlement: TaskSettlement,
  ) {
    super();
  }

  async process(job: JobOf<ExecutionJobs>, token?: string): Promise<void> {
    const { executionId, requestId } = job.data;
    const failures = job.data.queryFailures ?? 0;
    const run = () =>
      inSpan(
        'execution run',
        {
          kind: SpanKind.CONSUMER,
          parent: job.data.trace,
          attributes: { 'rpa.execution_id': executionId, 'rpa.job_attempt': job.attemptsMade + 1 },
        },
        () => this.runner.step(executionId, failures, requestId),
      );
    let outcome: StepOutcome;
    try {
      outcome = await this.pino.runInContext(run, {
        bindings: {
          request_id: requestId,
          execution_id: executionId,
          job_attempt: job.attemptsMade + 1,
        },
      });
    } catch (err) {
      if (!(err instanceof RunInterrupted) || !token) throw err;
      // Back to the queue without using an attempt; the next worker follows the stored task.
      // A job Redis no longer holds (flushed, or Redis away) is left to the reconciliation.
      await job.moveToWait(token).catch((e: Error) => {
        this.logger.warn(`Job ${job.id} could not return to the queue: ${e.message}`);
      });
      throw new WaitingError();
    }
    if (!outcome.done) await this.park(job, token, outcome.lookAt, outcome.failures);
  }

  /** Until the next look the job waits in the delayed set, holding no worker slot. */
  private async park(
    job: Job<ExecutionJobData>,
    token: string | undefined,
    lookAt: number,
    failures: number,
  ): Promise<never> {
    if ((job.data.queryFailures ?? 0) !== failures) {
      await job.updateData({ ...job.data, queryFailures: failures });
    }
    await job.moveToDelayed(lookAt, token);
    await this.settlement.wakeIfNudged(job);
    throw new DelayedError();
  }

  /**
   * Shutdown: take no new job, stop following the active ones (their robot tasks go on and
   * their jobs return to the queue at once), and wait for that to be done.
   */
  @OnEvent(APP_SHUTDOWN_EVENT)
  async drain(): Promise<void> {
    // With Redis away nothing could be reported to it: close by force (RedisAwayShutdownService).
    const closing = this.worker.close(!this.redis.reachable);
    const interrupted = this.cancellation.interruptAll();
    await closing;
    this.logger.log(`Worker closed; ${interrupted} active run(s) returned to the queue`);
  }

  /**
   * A job whose lock could not be renewed is no longer ours: Redis forgot it (lost its data)
   * or another worker took it over as stalled. Following it here too would poll the robot
   * twice; the run stops here and is resumed from its stored task by whoever holds it (or by
   * the periodic reconciliation).
   */
  @OnWorkerEvent('lockRenewalFailed')
  onLocksLost(jobIds: string[]): void {
    for (const id of jobIds) this.cancellation.interrupt(id);
  }

  /**
   * A job that failed for good (attempts used up, or stalled too often) must not leave its
   * execution PENDING/RUNNING: it ends as FAILED. A job that will be retried is left alone.
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<ExecutionJobData> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    this.logger.warn(
      `Job ${job.id} attempt ${job.attemptsMade}/${attempts} failed: ${err.message}`,
    );
    try {
      if ((await job.getState()) !== 'failed') return;
      await this.runner.giveUp(job.data.executionId, err.message);
    } catch (e) {
      this.logger.error(
        `Could not fail execution ${job.data.executionId}: ${(e as Error).message}`,
      );
    }
  }
}

import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { ExecutionJobData } from './execution.constants';
import { ExecutionRunner } from './execution-runner.service';

/**
 * Thin: runs each job through ExecutionRunner inside a logging context carrying the
 * request id, and lets errors propagate so that BullMQ retries. Registered with worker
 * options from configuration by ExecutionWorkerModule.
 */
@Injectable()
export class ExecutionProcessor extends WorkerHost {
  private readonly logger = new Logger(ExecutionProcessor.name);

  constructor(
    private readonly runner: ExecutionRunner,
    private readonly pino: PinoLogger,
  ) {
    super();
  }

  async process(job: Job<ExecutionJobData>): Promise<void> {
    const { executionId, requestId } = job.data;
    await this.pino.runInContext(() => this.runner.run(executionId, requestId), {
      bindings: {
        request_id: requestId,
        execution_id: executionId,
        job_attempt: job.attemptsMade + 1,
      },
    });
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

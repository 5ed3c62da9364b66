import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobOf } from '@app/common';
import {
  MAINTENANCE_QUEUE,
  MaintenanceJob,
  MaintenanceJobs,
  PRUNE_EVERY_MS,
} from './execution.constants';
import { ExecutionRetention, PruneReport } from './execution.retention';

/**
 * Runs housekeeping on a BullMQ job scheduler, so each tick runs once however many worker
 * processes there are.
 */
@Injectable()
@Processor(MAINTENANCE_QUEUE, { concurrency: 1 })
export class ExecutionMaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExecutionMaintenanceProcessor.name);

  constructor(
    private readonly retention: ExecutionRetention,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  /** Not awaited: a worker must start (and report not ready) while Redis is away. */
  onApplicationBootstrap(): void {
    this.queue
      .upsertJobScheduler(
        MaintenanceJob.PruneExecutions,
        { every: PRUNE_EVERY_MS },
        { name: MaintenanceJob.PruneExecutions, opts: { removeOnComplete: 50, removeOnFail: 50 } },
      )
      .catch((err: Error) => this.logger.warn(`Could not schedule retention: ${err.message}`));
  }

  async process(job: JobOf<MaintenanceJobs>): Promise<PruneReport | undefined> {
    if (job.name === MaintenanceJob.PruneExecutions) return this.retention.prune();
    return undefined;
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobOf } from '@app/common';
import { MAINTENANCE_QUEUE, MaintenanceJob, MaintenanceJobs } from './execution.constants';
import { ExecutionRetention, PruneReport } from './execution.retention';

/**
 * Runs housekeeping on a BullMQ job scheduler, so each tick runs once however many worker
 * processes there are. The scheduler is kept in Redis by ExecutionMaintenanceResync.
 */
@Injectable()
@Processor(MAINTENANCE_QUEUE, { concurrency: 1 })
export class ExecutionMaintenanceProcessor extends WorkerHost {
  constructor(private readonly retention: ExecutionRetention) {
    super();
  }

  async process(job: JobOf<MaintenanceJobs>): Promise<PruneReport | undefined> {
    if (job.name === MaintenanceJob.PruneExecutions) return this.retention.prune();
    return undefined;
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ensureEveryScheduler } from '@app/common';
import { MAINTENANCE_QUEUE, MaintenanceJob, PRUNE_EVERY_MS } from './execution.constants';

/**
 * The one owner of the maintenance queue's producer side: the job schedulers of the
 * housekeeping jobs. Their processor (ExecutionMaintenanceProcessor) only runs the ticks.
 */
@Injectable()
export class MaintenanceQueue {
  constructor(@InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue) {}

  /** Hourly retention pruning, unless Redis holds its scheduler: true when it was (re)created. */
  ensureRetentionSchedule(): Promise<boolean> {
    return ensureEveryScheduler(this.queue, {
      name: MaintenanceJob.PruneExecutions,
      everyMs: PRUNE_EVERY_MS,
      what: 'the execution retention',
    });
  }
}

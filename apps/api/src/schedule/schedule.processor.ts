import { WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobOf } from '@app/common';
import { ScheduleJobs } from './schedule.constants';
import { ScheduleQueue } from './schedule.queue';
import { ScheduleTickRunner, TickOutcome } from './schedule-tick.runner';

/**
 * Thin: one tick job → ScheduleTickRunner; errors propagate so that BullMQ retries. Registered
 * with worker options from configuration in schedule.module.ts.
 */
@Injectable()
export class ScheduleProcessor extends WorkerHost {
  constructor(private readonly runner: ScheduleTickRunner) {
    super();
  }

  process(job: JobOf<ScheduleJobs>): Promise<TickOutcome> {
    return this.runner.run(job.data.scheduleId, ScheduleQueue.tickOf(job));
  }
}

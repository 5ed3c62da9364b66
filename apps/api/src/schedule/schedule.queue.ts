import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { withinRedisDeadline } from '@app/common';
import { ScheduleEntity } from './entities/schedule.entity';
import { SCHEDULE_QUEUE, ScheduleJob, ScheduleJobData } from './schedule.constants';

/**
 * The BullMQ side of schedules: one job scheduler per schedule id, which puts one `tick` job
 * per fire time in the queue (however many workers there are). MySQL is the source of truth;
 * these calls only make Redis agree with it. Each waits for Redis at most REDIS_DEADLINE_MS.
 */
@Injectable()
export class ScheduleQueue {
  constructor(@InjectQueue(SCHEDULE_QUEUE) private readonly queue: Queue<ScheduleJobData>) {}

  /** Creates the job scheduler unless one with the same cron and zone exists. */
  async ensure(schedule: Pick<ScheduleEntity, 'id' | 'cron' | 'timezone'>): Promise<void> {
    await withinRedisDeadline('updating the scheduler', this.upsert(schedule));
  }

  private async upsert(schedule: Pick<ScheduleEntity, 'id' | 'cron' | 'timezone'>): Promise<void> {
    const current = await this.queue.getJobScheduler(schedule.id);
    if (current?.pattern === schedule.cron && current.tz === schedule.timezone) return;
    try {
      await this.queue.upsertJobScheduler(
        schedule.id,
        { pattern: schedule.cron, tz: schedule.timezone },
        {
          name: ScheduleJob.Tick,
          data: { scheduleId: schedule.id },
          opts: {
            attempts: 3,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: 24 * 3600, count: 1000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        },
      );
    } catch (err) {
      // Another process upserted the same scheduler at the same moment: its tick is queued.
      if ((await this.queue.getJobScheduler(schedule.id))?.pattern === schedule.cron) return;
      throw err;
    }
  }

  async remove(scheduleId: string): Promise<void> {
    await withinRedisDeadline('updating the scheduler', this.queue.removeJobScheduler(scheduleId));
  }

  /** Ids of every job scheduler in Redis. */
  async ids(): Promise<string[]> {
    const schedulers = await withinRedisDeadline(
      'reading the schedulers',
      this.queue.getJobSchedulers(0, -1, true),
    );
    return schedulers.map((s) => s.key);
  }

  /** The tick a job stands for: its scheduler's fire time (job ids are repeat:<id>:<millis>). */
  static tickOf(job: Job<ScheduleJobData>): number {
    const fromId = Number(
      String(job.id ?? '')
        .split(':')
        .pop(),
    );
    if (Number.isSafeInteger(fromId) && fromId > 0) return fromId;
    return job.opts.prevMillis ?? job.timestamp;
  }
}

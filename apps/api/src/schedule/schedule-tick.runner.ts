import { Injectable, Logger } from '@nestjs/common';
import { AppException } from '@app/common';
import { ExecutionService } from '../execution';
import { StartBudget } from '../limits';
import { isActive, WorkflowService } from '../workflow';
import { scheduleReference, tickIdempotencyKey } from './schedule.constants';
import { ScheduleQueue } from './schedule.queue';
import { ScheduleRepository } from './schedule.repository';

export type TickOutcome = 'started' | 'skipped' | 'refused' | 'gone';

/**
 * What one tick does: start one execution of the schedule's workflow as its owner, with
 * `trigger: "schedule"`. BullMQ puts one job per tick in the queue whatever the number of
 * workers; the idempotency key `schedule:<id>:<tick>` makes a retried (or duplicated) tick job
 * find the run it already started instead of starting another.
 */
@Injectable()
export class ScheduleTickRunner {
  private readonly logger = new Logger(ScheduleTickRunner.name);

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly workflows: WorkflowService,
    private readonly executions: ExecutionService,
    private readonly queue: ScheduleQueue,
  ) {}

  async run(scheduleId: string, tickMillis: number): Promise<TickOutcome> {
    const schedule = await this.schedules.findById(scheduleId);
    if (!schedule) {
      await this.queue.remove(scheduleId);
      return 'gone';
    }
    // Disabled meanwhile: skip; the next re-sync removes a job scheduler left behind.
    if (!schedule.enabled) return 'skipped';
    const workflow = await this.workflows.find(schedule.user_id, schedule.project_id);
    if (!workflow) {
      await this.schedules.deleteById(scheduleId);
      await this.queue.remove(scheduleId);
      return 'gone';
    }
    if (!isActive(workflow)) return 'skipped';

    try {
      const { execution } = await this.executions.start({
        userId: schedule.user_id,
        projectId: schedule.project_id,
        params: schedule.params,
        priority: schedule.priority,
        reference: scheduleReference(schedule.id),
        trigger: 'schedule',
        idempotencyKey: tickIdempotencyKey(schedule.id, tickMillis),
        // Over the owner's budget the tick is refused (recorded in last_error) and skipped.
        budget: StartBudget.ofUser(schedule.user_id),
      });
      await this.schedules.recordTick(scheduleId, {
        last_run_at: new Date(tickMillis),
        last_execution_id: execution.id,
        last_error: null,
      });
      return 'started';
    } catch (err) {
      // A refusal (inactive workflow, invalid params…) is recorded; retrying would not help.
      if (!(err instanceof AppException) || err.status >= 500) throw err;
      this.logger.warn(`Schedule ${scheduleId} tick ${tickMillis} not started: ${err.message}`);
      await this.schedules.recordTick(scheduleId, {
        last_run_at: new Date(tickMillis),
        last_error: err.message.slice(0, 500),
      });
      return 'refused';
    }
  }
}

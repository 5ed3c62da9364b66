import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppConfig, AppException, Page, PageQueryDto } from '@app/common';
import { isActive, WorkflowChangedEvent, WorkflowEvents, WorkflowService } from '../workflow';
import { ScheduleRuleError, normaliseCron, normaliseTimezone, shortestGapMs } from './cron';
import { CreateScheduleDto } from './dto/create-schedule.dto';
import { ScheduleEntity } from './entities/schedule.entity';
import { NewSchedule, ScheduleRepository } from './schedule.repository';
import { ScheduleQueue } from './schedule.queue';

const RESYNC_BATCH = 500;

/**
 * Schedules of workflows (docs/webhooks.md). The table is the source of truth: every change is made
 * there first, then mirrored to the BullMQ job scheduler of the same id. A schedule produces
 * ticks while it is enabled and its workflow is active; deleting the workflow deletes its
 * schedules. `resync()` makes Redis agree with the table (worker start-up and periodically),
 * which heals a lost Redis and any event this process did not see.
 */
@Injectable()
export class ScheduleService {
  private readonly logger = new Logger(ScheduleService.name);

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly workflows: WorkflowService,
    private readonly queue: ScheduleQueue,
    private readonly config: AppConfig,
  ) {}

  async create(userId: string, projectId: string, dto: CreateScheduleDto): Promise<ScheduleEntity> {
    const workflow = await this.workflows.get(userId, projectId);
    const { cron, timezone } = this.validateRules(dto.cron, dto.timezone ?? 'UTC');
    // The same check every tick's start makes, so a bad schedule is refused now, not hourly.
    const problems = await this.workflows.paramsProblems(workflow, dto.params ?? {});
    if (problems) throw AppException.validation(problems);
    const max = this.config.schedules.maxPerWorkflow;
    if ((await this.schedules.countOfWorkflow(userId, projectId)) >= max) {
      throw new AppException('CONFLICT', `A workflow may have at most ${max} schedules`);
    }
    const schedule: NewSchedule = {
      id: randomUUID(),
      project_id: workflow.project_id,
      user_id: userId,
      cron,
      timezone,
      params: dto.params ?? null,
      priority: dto.priority ?? 5,
      enabled: true,
    };
    await this.schedules.insert(schedule);
    if (isActive(workflow)) {
      try {
        await this.queue.ensure(schedule);
      } catch (err) {
        await this.schedules.deleteById(schedule.id);
        this.logger.error({ err }, `Could not create the job scheduler of ${schedule.id}`);
        throw new AppException('SERVICE_UNAVAILABLE', 'The scheduler is unavailable; try again');
      }
    }
    return this.get(userId, schedule.id);
  }

  async list(
    userId: string,
    projectId: string,
    query: PageQueryDto,
  ): Promise<Page<ScheduleEntity>> {
    await this.workflows.get(userId, projectId);
    return this.schedules.page(userId, projectId, query);
  }

  /** The caller's schedule; another user's is indistinguishable from an absent one. */
  async get(userId: string, id: string): Promise<ScheduleEntity> {
    const schedule = await this.schedules.findOwned(userId, id);
    if (!schedule) throw new AppException('SCHEDULE_NOT_FOUND', `Schedule ${id} not found`);
    return schedule;
  }

  async setEnabled(userId: string, id: string, enabled: boolean): Promise<ScheduleEntity> {
    const schedule = await this.get(userId, id);
    await this.schedules.setEnabled(id, enabled);
    if (enabled && (await this.workflowActive(schedule))) await this.queue.ensure(schedule);
    if (!enabled) await this.queue.remove(id);
    return this.get(userId, id);
  }

  async remove(userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    await this.schedules.deleteOwned(userId, id);
    await this.queue.remove(id);
  }

  /** A deleted workflow takes its schedules with it. */
  @OnEvent(WorkflowEvents.Deleted)
  async onWorkflowDeleted(event: WorkflowChangedEvent): Promise<void> {
    await this.guard(`removing the schedules of deleted workflow ${event.project_id}`, async () => {
      const rows = await this.schedules.ofWorkflow(event.user_id, event.project_id);
      if (!rows.length) return;
      await this.schedules.deleteOfWorkflow(event.user_id, event.project_id);
      for (const row of rows) await this.queue.remove(row.id);
    });
  }

  /** An inactive workflow's schedules stop ticking; reactivating it resumes them. */
  @OnEvent(WorkflowEvents.Upserted)
  async onWorkflowUpserted(event: WorkflowChangedEvent): Promise<void> {
    await this.guard(`syncing the schedules of workflow ${event.project_id}`, async () => {
      const rows = await this.schedules.ofWorkflow(event.user_id, event.project_id, true);
      const active = isActive(event);
      for (const row of rows) {
        if (active) await this.queue.ensure(row);
        else await this.queue.remove(row.id);
      }
    });
  }

  /**
   * Makes the job schedulers in Redis match the table: one for every enabled schedule of an
   * active workflow, none otherwise. Schedules whose workflow is gone are deleted. Safe to run
   * in several processes at once.
   */
  async resync(): Promise<{ ensured: number; removed: number; orphans: number }> {
    const orphans = await this.schedules.deleteOrphans();
    const wanted = new Set<string>();
    let after = '';
    for (;;) {
      const batch = await this.schedules.ticking(after, RESYNC_BATCH);
      for (const schedule of batch) {
        wanted.add(schedule.id);
        await this.queue.ensure(schedule);
      }
      if (batch.length < RESYNC_BATCH) break;
      after = batch[batch.length - 1].id;
    }
    let removed = 0;
    for (const id of await this.queue.ids()) {
      if (wanted.has(id)) continue;
      await this.queue.remove(id);
      removed++;
    }
    return { ensured: wanted.size, removed, orphans };
  }

  /** Validates cron and zone (400 naming the field) and the minimum interval. */
  private validateRules(rawCron: string, rawZone: string): { cron: string; timezone: string } {
    try {
      const timezone = normaliseTimezone(rawZone);
      const cron = normaliseCron(rawCron, timezone);
      const min = this.config.schedules.minIntervalMs;
      if (shortestGapMs(cron, timezone) < min) {
        throw new ScheduleRuleError('cron', `cron must not fire more often than every ${min} ms`);
      }
      return { cron, timezone };
    } catch (err) {
      if (!(err instanceof ScheduleRuleError)) throw err;
      throw AppException.validation([{ field: err.field, errors: [err.message] }]);
    }
  }

  private async workflowActive(schedule: ScheduleEntity): Promise<boolean> {
    const workflow = await this.workflows.find(schedule.user_id, schedule.project_id);
    return isActive(workflow);
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.error(
        `Failed ${what}: ${err instanceof Error ? err.message : String(err)} (the periodic re-sync will retry)`,
      );
    }
  }
}

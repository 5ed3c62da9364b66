import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Page, PageQueryDto, pageWindow } from '@app/common';
import { WorkflowStatus } from '../workflow';
import { ScheduleEntity } from './entities/schedule.entity';

export type NewSchedule = Pick<
  ScheduleEntity,
  'id' | 'project_id' | 'user_id' | 'cron' | 'timezone' | 'params' | 'priority' | 'enabled'
>;

/** What a job scheduler is made of. */
export type ScheduleRule = Pick<ScheduleEntity, 'id' | 'cron' | 'timezone'>;

export type TickRecord = Partial<
  Pick<ScheduleEntity, 'last_run_at' | 'last_execution_id' | 'last_error'>
>;

/** The `schedules` table: the only class that reads or writes it. */
@Injectable()
export class ScheduleRepository {
  constructor(
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
  ) {}

  countOfWorkflow(userId: string, projectId: string): Promise<number> {
    return this.schedules.countBy({ project_id: projectId, user_id: userId });
  }

  async insert(row: NewSchedule): Promise<void> {
    await this.schedules.insert(this.schedules.create(row));
  }

  async page(
    userId: string,
    projectId: string,
    query: PageQueryDto,
  ): Promise<Page<ScheduleEntity>> {
    const [records, total] = await this.schedules.findAndCount({
      where: { user_id: userId, project_id: projectId },
      order: { created_at: 'ASC', id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  findById(id: string): Promise<ScheduleEntity | null> {
    return this.schedules.findOneBy({ id });
  }

  findOwned(userId: string, id: string): Promise<ScheduleEntity | null> {
    return this.schedules.findOneBy({ id, user_id: userId });
  }

  /** A workflow's schedules; `enabledOnly` leaves the disabled ones out. */
  ofWorkflow(userId: string, projectId: string, enabledOnly = false): Promise<ScheduleEntity[]> {
    return this.schedules.findBy({
      project_id: projectId,
      user_id: userId,
      ...(enabledOnly ? { enabled: true } : {}),
    });
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.schedules.update({ id }, { enabled });
  }

  async recordTick(id: string, tick: TickRecord): Promise<void> {
    await this.schedules.update({ id }, tick);
  }

  async deleteById(id: string): Promise<void> {
    await this.schedules.delete({ id });
  }

  async deleteOwned(userId: string, id: string): Promise<void> {
    await this.schedules.delete({ id, user_id: userId });
  }

  async deleteOfWorkflow(userId: string, projectId: string): Promise<void> {
    await this.schedules.delete({ project_id: projectId, user_id: userId });
  }

  /**
   * Enabled schedules of active workflows with an id after `after`, in id order: the ones that
   * should have a job scheduler.
   */
  ticking(after: string, limit: number): Promise<ScheduleRule[]> {
    return this.schedules
      .createQueryBuilder('s')
      .select(['s.id', 's.cron', 's.timezone'])
      .innerJoin('workflows', 'w', 'w.project_id = s.project_id AND w.user_id = s.user_id')
      .where('s.enabled = 1 AND w.status = :active AND s.id > :after', {
        active: WorkflowStatus.Active,
        after,
      })
      .orderBy('s.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Deletes schedules whose workflow is gone; answers how many. */
  async deleteOrphans(): Promise<number> {
    const result: { affectedRows?: number } = await this.schedules.query(
      `DELETE s FROM schedules s
         LEFT JOIN workflows w ON w.project_id = s.project_id AND w.user_id = s.user_id
        WHERE w.project_id IS NULL`,
    );
    return result.affectedRows ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Page, PageQueryDto, pageWindow } from '@app/common';
import { WorkflowEntity, WorkflowStatus } from './entities/workflow.entity';

/** The columns an upsert writes; the key (project_id, user_id) is passed separately. */
export type WorkflowFields = Partial<
  Pick<
    WorkflowEntity,
    'name' | 'english_name' | 'description' | 'version' | 'status' | 'parameters'
  >
>;

const isDuplicateKey = (err: unknown): boolean =>
  err instanceof QueryFailedError &&
  (err.driverError as { code?: string })?.code === 'ER_DUP_ENTRY';

/** The `workflows` table: the only class that reads or writes it. */
@Injectable()
export class WorkflowRepository {
  constructor(
    @InjectRepository(WorkflowEntity) private readonly workflows: Repository<WorkflowEntity>,
  ) {}

  /** Whoever owns it (the start path checks the owner itself, after its cache). */
  findByProjectId(projectId: string): Promise<WorkflowEntity | null> {
    return this.workflows.findOneBy({ project_id: projectId });
  }

  findOwned(userId: string, projectId: string): Promise<WorkflowEntity | null> {
    return this.workflows.findOneBy({ project_id: projectId, user_id: userId });
  }

  /** Applies `changes` to the user's workflow; false when the user has no such workflow. */
  async updateOwned(userId: string, projectId: string, changes: WorkflowFields): Promise<boolean> {
    const result = await this.workflows.update({ project_id: projectId, user_id: userId }, changes);
    return Boolean(result.affected);
  }

  /** Inserts a workflow; false when its project_id exists already (whoever owns it). */
  async insertIfAbsent(
    userId: string,
    projectId: string,
    fields: WorkflowFields,
  ): Promise<boolean> {
    try {
      await this.workflows.insert({ ...fields, project_id: projectId, user_id: userId });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async page(
    userId: string,
    query: PageQueryDto & { status?: WorkflowStatus },
  ): Promise<Page<WorkflowEntity>> {
    const [records, total] = await this.workflows.findAndCount({
      where: { user_id: userId, ...(query.status !== undefined ? { status: query.status } : {}) },
      order: { updated_at: 'DESC', project_id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  /** A user's active workflows, oldest first (stable under appends). */
  active(userId: string, offset: number, limit: number): Promise<WorkflowEntity[]> {
    return this.workflows.find({
      where: { user_id: userId, status: WorkflowStatus.Active },
      order: { created_at: 'ASC', project_id: 'ASC' },
      skip: offset,
      take: limit,
    });
  }

  /** False when the user has no such workflow. */
  async deleteOwned(userId: string, projectId: string): Promise<boolean> {
    const result = await this.workflows.delete({ project_id: projectId, user_id: userId });
    return Boolean(result.affected);
  }
}

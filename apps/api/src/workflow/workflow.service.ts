import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import {
  AppException,
  FieldError,
  JsonObject,
  JsonSchemaValidator,
  InvalidatingCache,
  Page,
  RedisService,
  isObjectSchema,
  pageWindow,
} from '@app/common';
import { ListWorkflowsQueryDto } from './dto/workflow-query.dto';
import { LegacyUpsertWorkflowDto } from './dto/legacy-upsert-workflow.dto';
import { UpsertWorkflowDto } from './dto/upsert-workflow.dto';
import { WorkflowEntity, WorkflowStatus } from './entities/workflow.entity';
import { WorkflowChangedEvent, WorkflowEvents } from './workflow.events';

/** What the legacy service named a workflow registered without a name. */
const LEGACY_DEFAULT_NAME = 'Default_Workflow';

const isDuplicateKey = (err: unknown): boolean =>
  err instanceof QueryFailedError &&
  (err.driverError as { code?: string })?.code === 'ER_DUP_ENTRY';

/** Redis channel telling every process that a workflow changed (its cached copy is stale). */
const WORKFLOW_CHANGED_CHANNEL = 'workflows:changed';

@Injectable()
export class WorkflowService implements OnModuleInit, OnModuleDestroy {
  /**
   * project_id → workflow, for the start path only (every run looks its workflow up).
   * Changes anywhere reach every process through Redis within milliseconds; the TTL only
   * bounds staleness should such a message be lost.
   */
  private readonly startCache = new InvalidatingCache<WorkflowEntity>(30_000, 5_000);
  private unsubscribe?: () => Promise<void>;

  constructor(
    @InjectRepository(WorkflowEntity) private readonly workflows: Repository<WorkflowEntity>,
    private readonly events: EventEmitter2,
    private readonly schemas: JsonSchemaValidator,
    private readonly redis: RedisService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(WORKFLOW_CHANGED_CHANNEL, (projectId) =>
      this.startCache.invalidate([projectId]),
    );
    this.redis.onResubscribe(() => this.startCache.clear());
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** The caller's workflow as the start path sees it: cached, invalidated on every change. */
  async findForStart(userId: string, projectId: string): Promise<WorkflowEntity | null> {
    let workflow = this.startCache.get(projectId);
    if (workflow === undefined) {
      const generation = this.startCache.currentGeneration;
      workflow = await this.workflows.findOneBy({ project_id: projectId });
      this.startCache.set(projectId, workflow, generation);
    }
    return workflow && workflow.user_id === userId ? workflow : null;
  }

  /**
   * Problems of `params` against the workflow's input schema (docs/run-control.md), or null when they
   * fit. Only an object JSON Schema constrains inputs; anything else accepts any object.
   */
  async paramsProblems(workflow: WorkflowEntity, params: JsonObject): Promise<FieldError[] | null> {
    if (!isObjectSchema(workflow.parameters)) return null;
    const version = `${workflow.project_id}:${workflow.updated_at.getTime()}`;
    const check = await this.schemas.validate(version, workflow.parameters, params);
    return check.ok ? null : check.errors;
  }

  async upsert(
    userId: string,
    dto: UpsertWorkflowDto,
  ): Promise<{ workflow: WorkflowEntity; action: 'created' | 'updated' }> {
    if (dto.user_id !== undefined && dto.user_id !== userId) {
      throw AppException.validation([{ field: 'user_id', errors: ['user_id must be the caller'] }]);
    }
    const fields = {
      name: dto.name,
      english_name: dto.english_name ?? null,
      description: dto.description ?? null,
      version: dto.version ?? '1.0.0',
      status: dto.status ?? WorkflowStatus.Active,
      parameters: dto.parameters ?? null,
    };
    return this.save(userId, dto.project_id, fields, fields);
  }

  /**
   * The legacy upsert: a field left out keeps its stored value, `null` clears an optional one
   * (name, version and status cannot be cleared). A new workflow without a name gets the
   * legacy service's default name.
   */
  async merge(
    userId: string,
    dto: LegacyUpsertWorkflowDto,
  ): Promise<{ workflow: WorkflowEntity; action: 'created' | 'updated' }> {
    const changes: Partial<WorkflowEntity> = {};
    if (dto.name != null) changes.name = dto.name;
    if (dto.version != null) changes.version = dto.version;
    if (dto.status != null) changes.status = dto.status;
    if (dto.english_name !== undefined) changes.english_name = dto.english_name;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.parameters !== undefined) changes.parameters = dto.parameters;
    const created = {
      name: LEGACY_DEFAULT_NAME,
      english_name: null,
      description: null,
      version: '1.0.0',
      status: WorkflowStatus.Active,
      parameters: null,
      ...changes,
    };
    return this.save(userId, dto.project_id, changes, created);
  }

  /** Update-or-insert of one project_id, refusing one that another user owns. */
  private async save(
    userId: string,
    projectId: string,
    changes: Partial<WorkflowEntity>,
    insert: Partial<WorkflowEntity>,
  ): Promise<{ workflow: WorkflowEntity; action: 'created' | 'updated' }> {
    await this.checkSchema(changes.parameters);
    const apply = async () => {
      // An empty change still has to prove the row exists and is the caller's.
      if (Object.keys(changes).length === 0) return Boolean(await this.find(userId, projectId));
      const result = await this.workflows.update(
        { project_id: projectId, user_id: userId },
        changes,
      );
      return Boolean(result.affected);
    };
    let action: 'created' | 'updated' = 'updated';
    if (!(await apply())) {
      try {
        await this.workflows.insert({ ...insert, project_id: projectId, user_id: userId });
        action = 'created';
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Someone else owns it, or a concurrent upsert of ours just created it.
        if (!(await apply())) {
          throw new AppException('CONFLICT', `project_id ${projectId} belongs to another user`);
        }
      }
    }
    const workflow = await this.get(userId, projectId);
    await this.publish(WorkflowEvents.Upserted, {
      project_id: workflow.project_id,
      user_id: userId,
      status: workflow.status,
    });
    return { workflow, action };
  }

  /** An object schema must compile; lists of parameter descriptors are stored as they are. */
  private async checkSchema(parameters: unknown): Promise<void> {
    if (!parameters || Array.isArray(parameters)) return;
    const problem = await this.schemas.schemaProblem(parameters as JsonObject);
    if (problem) {
      throw AppException.validation([
        { field: 'parameters', errors: [`is not a valid JSON Schema: ${problem}`] },
      ]);
    }
  }

  /** The caller's workflow; another user's is indistinguishable from an absent one. */
  async find(userId: string, projectId: string): Promise<WorkflowEntity | null> {
    return this.workflows.findOneBy({ project_id: projectId, user_id: userId });
  }

  async get(userId: string, projectId: string): Promise<WorkflowEntity> {
    const workflow = await this.find(userId, projectId);
    if (!workflow) throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${projectId} not found`);
    return workflow;
  }

  async list(userId: string, query: ListWorkflowsQueryDto): Promise<Page<WorkflowEntity>> {
    const [records, total] = await this.workflows.findAndCount({
      where: { user_id: userId, ...(query.status !== undefined ? { status: query.status } : {}) },
      order: { updated_at: 'DESC', project_id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  /** Every active workflow of a user, for tool discovery (MCP). */
  async listActive(userId: string, limit = 500): Promise<WorkflowEntity[]> {
    return this.workflows.find({
      where: { user_id: userId, status: WorkflowStatus.Active },
      order: { created_at: 'ASC', project_id: 'ASC' },
      take: limit,
    });
  }

  /** One page of a user's active workflows, oldest first (stable under appends). */
  async listActivePage(userId: string, offset: number, limit: number): Promise<WorkflowEntity[]> {
    return this.workflows.find({
      where: { user_id: userId, status: WorkflowStatus.Active },
      order: { created_at: 'ASC', project_id: 'ASC' },
      skip: offset,
      take: limit,
    });
  }

  async delete(userId: string, projectId: string): Promise<void> {
    const result = await this.workflows.delete({ project_id: projectId, user_id: userId });
    if (!result.affected)
      throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${projectId} not found`);
    await this.publish(WorkflowEvents.Deleted, { project_id: projectId, user_id: userId });
  }

  /**
   * Other processes drop their cached copy before the change is acknowledged to the caller;
   * should Redis be away, the cache's TTL bounds how long they may start a changed workflow.
   */
  private async publish(name: string, event: WorkflowChangedEvent): Promise<void> {
    this.startCache.invalidate([event.project_id]);
    this.events.emit(name, event);
    await this.redis.publish(WORKFLOW_CHANGED_CHANNEL, event.project_id).catch(() => undefined);
  }
}

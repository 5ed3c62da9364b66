import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  AppException,
  FieldError,
  JsonObject,
  JsonSchemaValidator,
  Page,
  RedisService,
  SharedCache,
  isObjectSchema,
} from '@app/common';
import { ListWorkflowsQueryDto } from './dto/workflow-query.dto';
import { LegacyUpsertWorkflowDto } from './dto/legacy-upsert-workflow.dto';
import { UpsertWorkflowDto } from './dto/upsert-workflow.dto';
import { WorkflowEntity, WorkflowStatus } from './entities/workflow.entity';
import { WorkflowChangedEvent, WorkflowEvents } from './workflow.events';
import { WorkflowFields, WorkflowRepository } from './workflow.repository';

/** What the legacy service named a workflow registered without a name. */
const LEGACY_DEFAULT_NAME = 'Default_Workflow';

/** Redis channel telling every process that a workflow changed (its cached copy is stale). */
const WORKFLOW_CHANGED_CHANNEL = 'workflows:changed';

@Injectable()
export class WorkflowService implements OnModuleInit, OnModuleDestroy {
  /**
   * project_id → workflow, for the start path only (every run looks its workflow up).
   * Changes anywhere reach every process through Redis within milliseconds; the TTL only
   * bounds staleness should such a message be lost.
   */
  private readonly startCache: SharedCache<WorkflowEntity>;

  constructor(
    private readonly workflows: WorkflowRepository,
    private readonly events: EventEmitter2,
    private readonly schemas: JsonSchemaValidator,
    redis: RedisService,
  ) {
    this.startCache = new SharedCache(redis, {
      channel: WORKFLOW_CHANGED_CHANNEL,
      ttlMs: 30_000,
      negativeTtlMs: 5_000,
    });
  }

  onModuleInit(): Promise<void> {
    return this.startCache.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.startCache.stop();
  }

  /** The caller's workflow as the start path sees it: cached, invalidated on every change. */
  async findForStart(userId: string, projectId: string): Promise<WorkflowEntity | null> {
    const workflow = await this.startCache.get(projectId, () =>
      this.workflows.findByProjectId(projectId),
    );
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
    const changes: WorkflowFields = {};
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
    changes: WorkflowFields,
    insert: WorkflowFields,
  ): Promise<{ workflow: WorkflowEntity; action: 'created' | 'updated' }> {
    await this.checkSchema(changes.parameters);
    const apply = async () => {
      // An empty change still has to prove the row exists and is the caller's.
      if (Object.keys(changes).length === 0) return Boolean(await this.find(userId, projectId));
      return this.workflows.updateOwned(userId, projectId, changes);
    };
    let action: 'created' | 'updated' = 'updated';
    if (!(await apply())) {
      if (await this.workflows.insertIfAbsent(userId, projectId, insert)) action = 'created';
      // Someone else owns it, or a concurrent upsert of ours just created it.
      else if (!(await apply())) {
        throw new AppException('CONFLICT', `project_id ${projectId} belongs to another user`);
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
    return this.workflows.findOwned(userId, projectId);
  }

  async get(userId: string, projectId: string): Promise<WorkflowEntity> {
    const workflow = await this.find(userId, projectId);
    if (!workflow) throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${projectId} not found`);
    return workflow;
  }

  list(userId: string, query: ListWorkflowsQueryDto): Promise<Page<WorkflowEntity>> {
    return this.workflows.page(userId, query);
  }

  /** Every active workflow of a user, for tool discovery (MCP). */
  listActive(userId: string, limit = 500): Promise<WorkflowEntity[]> {
    return this.workflows.active(userId, 0, limit);
  }

  /** One page of a user's active workflows, oldest first (stable under appends). */
  listActivePage(userId: string, offset: number, limit: number): Promise<WorkflowEntity[]> {
    return this.workflows.active(userId, offset, limit);
  }

  async delete(userId: string, projectId: string): Promise<void> {
    if (!(await this.workflows.deleteOwned(userId, projectId)))
      throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${projectId} not found`);
    await this.publish(WorkflowEvents.Deleted, { project_id: projectId, user_id: userId });
  }

  /**
   * Other processes drop their cached copy before the change is acknowledged to the caller;
   * should Redis be away, the cache's TTL bounds how long they may start a changed workflow.
   */
  private async publish(name: string, event: WorkflowChangedEvent): Promise<void> {
    const announced = this.startCache.announce([event.project_id]);
    this.events.emit(name, event);
    await announced.catch(() => undefined);
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  AppConfig,
  AppException,
  JsonObject,
  Page,
  PageQueryDto,
  RedisUnavailable,
} from '@app/common';
import { WorkflowEntity, WorkflowService, isActive } from '../workflow';
import { ListExecutionsQueryDto } from './dto/execution-query.dto';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import {
  ExecutionEntity,
  ExecutionStatus,
  ExecutionTrigger,
  isFinal,
} from './entities/execution.entity';
import { ExecutionErrors } from './execution.constants';
import { ExecutionEventBus } from './execution-event-bus.service';
import { ExecutionCancellation } from './execution-cancellation.service';
import { ExecutionQueue } from './execution.queue';
import { ExecutionRepository } from './execution.repository';
import { ExecutionTransitions } from './execution-transitions.service';
import { ActiveExecutionCap } from './active-execution-cap';
import { ExecutionEvents } from './execution-event.factory';
import { StartBudget, StartRateLimiter } from '../limits';
import { startRequestHash } from './start-request-hash';
import { DEFAULT_PRIORITY, checkPriorityAllowed } from './start-priority';

export interface StartExecutionInput {
  userId: string;
  project_id: string;
  params?: JsonObject | null;
  exec_position?: string;
  priority?: number;
  reference?: string;
  timeout_ms?: number;
  callback_url?: string;
  trigger: ExecutionTrigger;
  idempotencyKey?: string;
  requestId?: string;
  retryOf?: string;
  /**
   * Extra conditions of the caller on the workflow (e.g. the version a client pinned), run
   * after an idempotent replay was ruled out and before anything is stored; throws to refuse.
   */
  admit?: (workflow: WorkflowEntity) => void;
  /** The per-key start budget this start spends (every start path has one). */
  budget: StartBudget;
}

const isDuplicateKey = (err: unknown): boolean =>
  err instanceof QueryFailedError &&
  (err.driverError as { code?: string })?.code === 'ER_DUP_ENTRY';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Injectable()
export class ExecutionService {
  private readonly logger = new Logger(ExecutionService.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly workflows: WorkflowService,
    private readonly queue: ExecutionQueue,
    private readonly bus: ExecutionEventBus,
    private readonly cancellation: ExecutionCancellation,
    private readonly config: AppConfig,
    private readonly activeCap: ActiveExecutionCap,
    private readonly limiter: StartRateLimiter,
    private readonly transitions: ExecutionTransitions,
  ) {}

  /**
   * Writes the PENDING row, announces it and enqueues its job. A failed enqueue ends the row
   * as FAILED (answering 503), so no execution is left PENDING without a job; the job id is
   * the execution id, so none runs twice.
   */
  async start(
    input: StartExecutionInput,
  ): Promise<{ execution: ExecutionEntity; replayed: boolean }> {
    // First: refused and replayed requests count too, so hammering a start route is limited.
    await this.limiter.spend(input.budget);
    checkPriorityAllowed(input.priority, input.budget.scopes);
    // Before the workflow lookup: a retry finds its run even if the workflow changed since.
    if (input.idempotencyKey !== undefined) {
      if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
        throw AppException.validation([
          { field: 'Idempotency-Key', errors: ['must be 1-255 printable ASCII characters'] },
        ]);
      }
      const existing = await this.findByIdempotencyKey(input.userId, input.idempotencyKey);
      if (existing) return { execution: this.checkReplay(existing, input), replayed: true };
    }
    const workflow = await this.workflows.findForStart(input.userId, input.project_id);
    if (!workflow)
      throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${input.project_id} not found`);
    if (!isActive(workflow)) {
      throw new AppException('WORKFLOW_INACTIVE', `Workflow ${input.project_id} is inactive`);
    }
    input.admit?.(workflow);
    const problems = await this.workflows.paramsProblems(workflow, input.params ?? {});
    if (problems) throw AppException.validation(problems);
    if (input.timeout_ms !== undefined && input.timeout_ms > this.config.robot.timeoutMs) {
      throw AppException.validation([
        {
          field: 'timeout_ms',
          errors: [`timeout_ms must not exceed ${this.config.robot.timeoutMs}`],
        },
      ]);
    }
    const now = new Date();
    const execution = Object.assign(new ExecutionEntity(), {
      id: randomUUID(),
      project_id: workflow.project_id,
      workflow_version: workflow.version,
      user_id: input.userId,
      status: ExecutionStatus.Pending,
      parameters: input.params ?? {},
      result: null,
      error: null,
      error_code: null,
      exec_position: input.exec_position ?? 'EXECUTOR',
      progress: 0,
      robot_task_id: null,
      trigger: input.trigger,
      priority: input.priority ?? DEFAULT_PRIORITY,
      reference: input.reference ?? null,
      timeout_ms: input.timeout_ms ?? null,
      retry_of: input.retryOf ?? null,
      callback_url: input.callback_url ?? null,
      idempotency_key: input.idempotencyKey ?? null,
      idempotency_hash: input.idempotencyKey === undefined ? null : startRequestHash(input),
      request_id: input.requestId ?? null,
      start_time: null,
      end_time: null,
      created_at: now,
      updated_at: now,
    });
    let backlog: number;
    try {
      backlog = await this.activeCap.admit(input.userId, (runner) =>
        this.executions.insert(execution, runner),
      );
    } catch (err) {
      if (input.idempotencyKey === undefined || !isDuplicateKey(err)) throw err;
      // A concurrent request with the same key won the race: answer with its execution.
      const winner = await this.findByIdempotencyKey(input.userId, input.idempotencyKey);
      if (!winner) throw err;
      return { execution: this.checkReplay(winner, input), replayed: true };
    }

    try {
      await this.bus.publish(ExecutionEvents.created(execution));
      await this.queue.enqueue(
        { executionId: execution.id, requestId: input.requestId },
        execution.priority,
        this.config.execution.fairShare ? backlog : 0,
      );
    } catch (err) {
      return { execution: await this.abandon(execution, err), replayed: false };
    }
    return { execution, replayed: false };
  }

  /**
   * The row is written but its job could not be queued (Redis away or too slow): the row ends
   * FAILED before the error is answered, so a job that reaches Redis late (a command queued
   * during the outage), or a reconciliation, finds it ended and runs nothing. If a worker has
   * already taken it, the run is real and is answered as started.
   */
  private async abandon(execution: ExecutionEntity, err: unknown): Promise<ExecutionEntity> {
    // An outage, not a bug: the answer (503 naming Redis) says it; no stack in the log.
    this.logger.warn(`Could not enqueue execution ${execution.id}: ${(err as Error).message}`);
    const ended = await this.transitions.end(
      execution,
      { status: ExecutionStatus.Failed, error: ExecutionErrors.enqueueFailed },
      { from: [ExecutionStatus.Pending], announceBestEffort: true },
    );
    if (!ended) return this.getAny(execution.id);
    if (err instanceof RedisUnavailable) throw err;
    throw new RedisUnavailable('queueing the execution');
  }

  /** Starts a new run with the inputs of an ended one, linked to it through retry_of. */
  async retry(
    userId: string,
    id: string,
    budget: StartBudget,
    requestId?: string,
  ): Promise<ExecutionEntity> {
    await this.limiter.spend(budget);
    const original = await this.get(userId, id);
    if (!isFinal(original.status)) {
      throw new AppException(
        'CONFLICT',
        `Execution ${id} is still ${original.status}; cancel it or wait`,
      );
    }
    const { execution } = await this.start({
      userId,
      project_id: original.project_id,
      params: original.parameters,
      exec_position: original.exec_position,
      priority: Number(original.priority),
      reference: original.reference ?? undefined,
      timeout_ms: original.timeout_ms === null ? undefined : Number(original.timeout_ms),
      callback_url: original.callback_url ?? undefined,
      trigger: 'retry',
      retryOf: original.id,
      requestId,
      budget,
    });
    return execution;
  }

  /** The caller's execution; another user's is indistinguishable from an absent one. */
  async get(userId: string, id: string): Promise<ExecutionEntity> {
    const execution = await this.executions.findById(id);
    if (!execution || execution.user_id !== userId)
      throw new AppException('EXECUTION_NOT_FOUND', `Execution ${id} not found`);
    return execution;
  }

  /** Any user's execution (admin, internal). */
  async getAny(id: string): Promise<ExecutionEntity> {
    const execution = await this.executions.findById(id);
    if (!execution) throw new AppException('EXECUTION_NOT_FOUND', `Execution ${id} not found`);
    return execution;
  }

  async list(
    userId: string | undefined,
    query: ListExecutionsQueryDto,
  ): Promise<Page<ExecutionEntity>> {
    return this.executions.list(userId, query);
  }

  async listLogs(
    userId: string,
    id: string,
    query: PageQueryDto,
  ): Promise<Page<ExecutionLogEntity>> {
    await this.get(userId, id);
    return this.executions.listLogs(id, query);
  }

  /**
   * Ends a PENDING/RUNNING execution as CANCELLED. A waiting or parked job is removed and its
   * robot task (if any) cancelled here; an active one is told through Redis, and the process
   * running it also cancels the robot task.
   * Cancelling a cancelled execution is a no-op; any other ended one is a conflict.
   */
  async cancel(id: string, userId?: string): Promise<ExecutionEntity> {
    const execution = userId === undefined ? await this.getAny(id) : await this.get(userId, id);
    if (execution.status === ExecutionStatus.Cancelled) return execution;
    if (isFinal(execution.status)) {
      throw new AppException('CONFLICT', `Execution ${id} already ended as ${execution.status}`);
    }
    const cancelled = await this.transitions.cancel(
      execution,
      ExecutionErrors.cancelled,
      async () => {
        const removed = await this.queue.removeIfIdle(id);
        await this.cancellation.requestCancel(id);
        const current = await this.getAny(id);
        if (removed && current.robot_task_id) {
          await this.cancellation.stopRobotTask(
            id,
            current.robot_task_id,
            current.request_id ?? undefined,
          );
        }
        return current;
      },
    );
    if (cancelled) return cancelled;
    const now = await this.getAny(id);
    if (now.status === ExecutionStatus.Cancelled) return now;
    throw new AppException('CONFLICT', `Execution ${id} already ended as ${now.status}`);
  }

  /** Resolves with the execution once it has ended, or as it stands after `timeoutMs`. */
  async waitForEnd(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecutionEntity> {
    await this.bus.waitForFinal(
      id,
      timeoutMs,
      async () => {
        const current = await this.executions.findById(id);
        return !current || isFinal(current.status);
      },
      signal,
    );
    return this.getAny(id);
  }

  private findByIdempotencyKey(userId: string, key: string): Promise<ExecutionEntity | null> {
    return this.executions.findByIdempotencyKey(userId, key);
  }

  /**
   * The same key and request give the first execution; a different request under the key is
   * refused. Runs stored before requests were hashed are compared by workflow only.
   */
  private checkReplay(existing: ExecutionEntity, input: StartExecutionInput): ExecutionEntity {
    const same =
      existing.idempotency_hash === null
        ? existing.project_id === input.project_id
        : existing.idempotency_hash === startRequestHash(input);
    if (!same) {
      throw new AppException(
        'IDEMPOTENCY_CONFLICT',
        'This idempotency key was already used for a different request; use a new key for a new run',
      );
    }
    return existing;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, AppException, Page, PageQueryDto, RedisUnavailable } from '@app/common';
import { WorkflowEntity, WorkflowService, isActive } from '../workflow';
import { StartBudget, StartRateLimiter } from '../limits';
import { ListExecutionsQueryDto } from './dto/execution-query.dto';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import { ExecutionEntity, ExecutionStatus, isFinal } from './entities/execution.entity';
import { ExecutionErrors } from './execution.constants';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionCancellation } from './execution.cancellation';
import { ExecutionQueue } from './execution.queue';
import { ExecutionRepository } from './execution.repository';
import { ExecutionTransitions } from './execution.transitions';
import { ActiveExecutionCap } from './active-execution-cap';
import { ExecutionEvents } from './execution-event.factory';
import { checkPriorityAllowed } from './start-priority';
import {
  StartExecutionInput,
  checkIdempotencyKey,
  checkTimeout,
  isDuplicateKey,
  pendingExecution,
  replayOf,
} from './start-request';

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
      checkIdempotencyKey(input.idempotencyKey);
      const existing = await this.executions.findByIdempotencyKey(
        input.userId,
        input.idempotencyKey,
      );
      if (existing) return { execution: replayOf(existing, input), replayed: true };
    }
    const workflow = await this.startableWorkflow(input);
    const execution = pendingExecution(workflow, input);
    let backlog: number;
    try {
      backlog = await this.activeCap.admit(input.userId, (runner) =>
        this.executions.insert(execution, runner),
      );
    } catch (err) {
      if (input.idempotencyKey === undefined || !isDuplicateKey(err)) throw err;
      // A concurrent request with the same key won the race: answer with its execution.
      const winner = await this.executions.findByIdempotencyKey(input.userId, input.idempotencyKey);
      if (!winner) throw err;
      return { execution: replayOf(winner, input), replayed: true };
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

  /** The caller's active workflow, when the request is one it can run. */
  private async startableWorkflow(input: StartExecutionInput): Promise<WorkflowEntity> {
    const workflow = await this.workflows.findForStart(input.userId, input.projectId);
    if (!workflow)
      throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${input.projectId} not found`);
    if (!isActive(workflow)) {
      throw new AppException('WORKFLOW_INACTIVE', `Workflow ${input.projectId} is inactive`);
    }
    input.admit?.(workflow);
    const problems = await this.workflows.paramsProblems(workflow, input.params ?? {});
    if (problems) throw AppException.validation(problems);
    checkTimeout(input.timeoutMs, this.config.robot.timeoutMs);
    return workflow;
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
      projectId: original.project_id,
      params: original.parameters,
      execPosition: original.exec_position,
      priority: Number(original.priority),
      reference: original.reference ?? undefined,
      timeoutMs: original.timeout_ms === null ? undefined : Number(original.timeout_ms),
      callbackUrl: original.callback_url ?? undefined,
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
}

import { Injectable, Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  AppConfig,
  AppException,
  FieldError,
  JsonObject,
  JsonSchemaValidator,
  Principal,
  Scope,
} from '@app/common';
import { ExecutionEntity, ExecutionService } from '../../execution';
import { StartBudget } from '../../limits';
import { isActive, WorkflowEntity, WorkflowService } from '../../workflow';
import { ControlErrorCode, ControlToolName, MAX_LIST_LIMIT, controlTool } from './control-tools';
import {
  controlError,
  controlResult,
  executionSnapshot,
  releaseNumber,
  workflowDetail,
  workflowProfile,
  workflowSummary,
} from './control-views';
import { ExecutorPresenceReader } from './executor-presence';
import { integrationContract } from './integration-contract';
import { toolInputSchema } from '../tool-input-schema';

/** A refusal a control tool answers as `{error: {code, message}}`. */
class ControlRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ExecuteArguments {
  projectId: string;
  version?: number;
  params?: JsonObject;
  idempotencyKey?: string;
  executionTimeout?: number;
  capabilityClass?: string;
  profileRevision?: string;
}

const describe = (errors: readonly FieldError[]): string =>
  errors.map((e) => `${e.field}: ${e.errors.join(', ')}`).join('; ');

/** Service error codes as control tool codes; the rest keep their own code. */
const REFUSAL_CODES: Record<string, string> = {
  VALIDATION_FAILED: ControlErrorCode.InvalidArguments,
  WORKFLOW_INACTIVE: ControlErrorCode.WorkflowNotFound,
};

/**
 * The control tools (platform contract): workflow discovery, asynchronous idempotent starts,
 * snapshots and cancellation, through the same services as REST. Every answer is JSON in
 * `structuredContent` and as text; refusals are tool errors with a stable code.
 */
@Injectable()
export class McpControlService {
  private readonly logger = new Logger(McpControlService.name);

  constructor(
    private readonly workflows: WorkflowService,
    private readonly executions: ExecutionService,
    private readonly schemas: JsonSchemaValidator,
    private readonly presence: ExecutorPresenceReader,
    private readonly config: AppConfig,
  ) {}

  async call(
    principal: Principal,
    name: ControlToolName,
    args: Record<string, unknown> | undefined,
    requestId?: string,
  ): Promise<CallToolResult> {
    try {
      const input = await this.checkArguments(name, args ?? {});
      return controlResult(await this.dispatch(principal, name, input, requestId));
    } catch (err) {
      if (err instanceof ControlRefusal) return controlError(err.code, err.message);
      if (err instanceof AppException && err.status < 500) {
        const code = REFUSAL_CODES[err.code] ?? err.code;
        const detail = err.details?.length ? `: ${describe(err.details)}` : '';
        return controlError(code, `${err.message}${detail}`);
      }
      if (err instanceof AppException && err.code === 'SERVICE_UNAVAILABLE') {
        return controlError(ControlErrorCode.Unavailable, err.message);
      }
      this.logger.error({ err, tool: name }, 'MCP control tool failed');
      return controlError(
        ControlErrorCode.Internal,
        'The service could not complete this call; do not retry a start without its idempotencyKey',
      );
    }
  }

  private dispatch(
    principal: Principal,
    name: ControlToolName,
    args: Record<string, unknown>,
    requestId?: string,
  ): Promise<Record<string, unknown>> {
    switch (name) {
      case ControlToolName.IntegrationGet:
        return this.integration(principal);
      case ControlToolName.WorkflowList:
        return this.listWorkflows(principal, args);
      case ControlToolName.WorkflowGet:
        return this.getWorkflow(principal, String(args.projectId));
      case ControlToolName.WorkflowExecute:
        return this.execute(principal, args as unknown as ExecuteArguments, requestId);
      case ControlToolName.ExecutionGet:
        return this.getExecution(principal, String(args.executionId));
      case ControlToolName.ExecutionCancel:
        return this.cancel(principal, String(args.executionId));
    }
  }

  /** The tool's own input schema decides; nothing is started on a refusal. */
  private async checkArguments(name: ControlToolName, args: Record<string, unknown>) {
    const schema = controlTool(name).inputSchema as JsonObject;
    const check = await this.schemas.validate(`mcp-control:${name}`, schema, args, 'arguments');
    if (!check.ok) {
      throw new ControlRefusal(
        ControlErrorCode.InvalidArguments,
        `Invalid arguments for ${name}: ${describe(check.errors)}`,
      );
    }
    return args;
  }

  private async integration(principal: Principal): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'read');
    return integrationContract(this.config, await this.presence.read(principal.userId));
  }

  private async listWorkflows(
    principal: Principal,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'read');
    const offset = (args.offset as number | undefined) ?? 0;
    const limit = (args.limit as number | undefined) ?? MAX_LIST_LIMIT;
    const page = await this.workflows.listActivePage(principal.userId, offset, limit + 1);
    return {
      workflows: page.slice(0, limit).map(workflowSummary),
      nextOffset: page.length > limit ? offset + limit : null,
    };
  }

  private async getWorkflow(
    principal: Principal,
    projectId: string,
  ): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'read');
    return workflowDetail(await this.activeWorkflow(principal.userId, projectId));
  }

  /**
   * Starts at once and answers the snapshot. ExecutionService answers a used key before
   * anything else is checked (its run, or IDEMPOTENCY_CONFLICT), so a retry after a lost answer
   * finds its run even if the workflow changed since; new starts are then checked against the
   * version and declaration the caller prepared for.
   */
  private async execute(
    principal: Principal,
    args: ExecuteArguments,
    requestId?: string,
  ): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'execute');
    const timeoutMs =
      args.executionTimeout === undefined ? undefined : args.executionTimeout * 1000;
    if (timeoutMs !== undefined && timeoutMs > this.config.robot.timeoutMs) {
      throw new ControlRefusal(
        ControlErrorCode.InvalidArguments,
        `executionTimeout must not exceed ${Math.floor(this.config.robot.timeoutMs / 1000)} s on this service`,
      );
    }
    const { execution } = await this.executions.start({
      userId: principal.userId,
      projectId: args.projectId,
      params: args.params ?? {},
      timeoutMs,
      idempotencyKey: args.idempotencyKey,
      trigger: 'mcp',
      requestId,
      admit: (workflow) => this.admit(workflow, args),
      // The same per-key budget as the REST start routes, spent by the start itself.
      budget: StartBudget.of(principal),
    });
    return executionSnapshot(execution);
  }

  /** Checks of a new start; a replayed key never gets here (its run is answered as it is). */
  private admit(workflow: WorkflowEntity, args: ExecuteArguments): void {
    if (args.version !== undefined && args.version !== releaseNumber(workflow.version)) {
      throw new ControlRefusal(
        ControlErrorCode.VersionNotAllowed,
        `Workflow ${workflow.project_id} is at version ${releaseNumber(workflow.version)} ` +
          `("${workflow.version}"), not ${args.version}`,
      );
    }
    if (args.capabilityClass !== undefined) {
      throw new ControlRefusal(
        ControlErrorCode.CapabilityUnsupported,
        `Workflow ${workflow.project_id} declares no capability class "${args.capabilityClass}"`,
      );
    }
    if (args.profileRevision !== undefined) {
      const current = workflowProfile(workflow, toolInputSchema(workflow.parameters)).revision;
      if (args.profileRevision !== current) {
        throw new ControlRefusal(
          ControlErrorCode.ProfileStale,
          `Workflow ${workflow.project_id} changed since this request was prepared; ` +
            'call astron_workflow_get again',
        );
      }
    }
  }

  private async getExecution(
    principal: Principal,
    executionId: string,
  ): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'read');
    return executionSnapshot(await this.executions.get(principal.userId, executionId));
  }

  /** Through the REST path (queue removal, robot cancel); an ended run answers as it is. */
  private async cancel(
    principal: Principal,
    executionId: string,
  ): Promise<Record<string, unknown>> {
    this.requireScope(principal, 'execute');
    let execution: ExecutionEntity;
    try {
      execution = await this.executions.cancel(executionId, principal.userId);
    } catch (err) {
      if (!(err instanceof AppException && err.code === 'CONFLICT')) throw err;
      execution = await this.executions.get(principal.userId, executionId);
    }
    return executionSnapshot(execution);
  }

  private async activeWorkflow(userId: string, projectId: string): Promise<WorkflowEntity> {
    const workflow = await this.workflows.findForStart(userId, projectId);
    if (!workflow || !isActive(workflow)) {
      throw new ControlRefusal(
        ControlErrorCode.WorkflowNotFound,
        `Workflow ${projectId} not found, or inactive`,
      );
    }
    return workflow;
  }

  private requireScope(principal: Principal, scope: Scope): void {
    if (!principal.scopes.includes(scope)) {
      throw new ControlRefusal(
        ControlErrorCode.Forbidden,
        `This API key lacks the scope: ${scope}`,
      );
    }
  }
}

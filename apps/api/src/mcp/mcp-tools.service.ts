import { Injectable } from '@nestjs/common';
import type { CallToolResult, ListToolsResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  AppConfig,
  AppException,
  FieldError,
  JsonObject,
  Principal,
  Scope,
  createValidationPipe,
} from '@app/common';
import {
  ExecutionEntity,
  ExecutionEventBus,
  ExecutionService,
  RunOptionsDto,
  runOptionsOf,
} from '../execution';
import { WorkflowEntity, WorkflowService } from '../workflow';
import { StartBudget } from '../limits';
import {
  EXECUTION_SUMMARY_SCHEMA,
  GET_EXECUTION_TOOL_NAME,
  RUN_OPTIONS_META_KEY,
  executionResult,
  forbidden,
  toolError,
  unknownTool,
} from './mcp-results';
import { CONTROL_TOOLS, CONTROL_TOOL_NAMES, isControlTool } from './control/control-tools';
import { McpControlService } from './control/mcp-control.service';
import { pageOfTools } from './tool-pages';
import { ProgressRelay, ProgressSink } from './progress-relay';
import { ToolInputSchema, toolInputSchema } from './tool-input-schema';
import { assignToolNames } from './tool-names';

/** Who is calling: every MCP request carries a valid API key (others answer HTTP 401). */
export interface McpCaller {
  principal: Principal;
  requestId?: string;
}

/** What a tool call needs from the MCP request it came in. */
export interface ToolCallContext {
  signal?: AbortSignal;
  /** Present when the client asked for progress (it gave a progress token). */
  progress?: ProgressSink;
  /** The request's `_meta["rpa/run"]`: run options of docs/run-control.md, set by the client's code. */
  runOptions?: unknown;
}

interface WorkflowTool {
  name: string;
  workflow: WorkflowEntity;
  inputSchema: ToolInputSchema;
}

type RunOptions = Omit<RunOptionsDto, 'params'>;

const GET_EXECUTION_TOOL: Tool = {
  name: GET_EXECUTION_TOOL_NAME,
  title: 'Get an execution',
  description:
    'Returns the current state of one of your workflow executions: status (PENDING, RUNNING, ' +
    'COMPLETED, FAILED, CANCELLED), progress, result and error. Use it to follow a run that ' +
    'a workflow tool returned before it ended.',
  inputSchema: {
    type: 'object',
    properties: {
      execution_id: {
        type: 'string',
        minLength: 1,
        maxLength: 64,
        description: 'The execution_id a workflow tool returned',
      },
    },
    required: ['execution_id'],
    additionalProperties: false,
  },
  outputSchema: EXECUTION_SUMMARY_SCHEMA,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};

const describeFields = (errors: readonly FieldError[]): string =>
  errors.map((e) => `${e.field}: ${e.errors.join(', ')}`).join('; ');

/** `params.a.b` (the REST name of an input) as the argument path `a.b`. */
const argumentPath = (field: string): string =>
  field === 'params' ? '(arguments)' : field.replace(/^params\./, '');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The tools of docs/mcp.md for one caller: the control tools (McpControlService), one per
 * active workflow (built from the same query and naming on tools/list and tools/call, so a
 * listed name finds its workflow; control tool names are reserved) and `get_execution`. Runs
 * go through ExecutionService like REST ones (trigger "mcp"), which
 * also validates the arguments against the workflow's schema before anything is stored.
 */
@Injectable()
export class McpToolsService {
  private readonly runOptionsPipe = createValidationPipe();

  constructor(
    private readonly workflows: WorkflowService,
    private readonly executions: ExecutionService,
    private readonly bus: ExecutionEventBus,
    private readonly config: AppConfig,
    private readonly control: McpControlService,
  ) {}

  /**
   * The control tools, one tool per active workflow, then get_execution: a page at a time,
   * bounded in count and bytes, so no answer grows with the number or size of workflows.
   */
  async listTools(caller: McpCaller, cursor?: string): Promise<ListToolsResult> {
    this.requireScope(caller.principal, 'read');
    const tools = await this.workflowTools(caller.principal.userId);
    const all = [
      ...CONTROL_TOOLS,
      ...tools.map((tool) => this.describeTool(tool)),
      GET_EXECUTION_TOOL,
    ];
    return pageOfTools(all, cursor, this.config.mcp.toolsPage);
  }

  async callTool(
    caller: McpCaller,
    name: string,
    args: Record<string, unknown> | undefined,
    context: ToolCallContext = {},
  ): Promise<CallToolResult> {
    const principal = caller.principal;
    if (isControlTool(name)) return this.control.call(principal, name, args, caller.requestId);
    if (name === GET_EXECUTION_TOOL_NAME) return this.getExecution(principal, args ?? {});

    this.requireScope(principal, 'execute');
    const tool = (await this.workflowTools(principal.userId)).find((t) => t.name === name);
    if (!tool) throw unknownTool(name);
    const options = await this.runOptions(context.runOptions);
    if ('error' in options) return toolError(`${name} was not started: ${options.error}`);
    return this.run(caller, principal, tool, args ?? {}, options.value, context);
  }

  private async run(
    caller: McpCaller,
    principal: Principal,
    tool: WorkflowTool,
    params: JsonObject,
    options: RunOptions,
    context: ToolCallContext,
  ): Promise<CallToolResult> {
    const relay = context.progress
      ? new ProgressRelay(this.bus.events$, principal.userId, context.progress)
      : undefined;
    try {
      let execution: ExecutionEntity;
      try {
        ({ execution } = await this.executions.start({
          ...runOptionsOf(options),
          userId: principal.userId,
          projectId: tool.workflow.project_id,
          params,
          trigger: 'mcp',
          requestId: caller.requestId,
          // The same per-key budget as the REST start routes.
          budget: StartBudget.of(principal),
        }));
      } catch (err) {
        return this.notStarted(tool, err);
      }
      relay?.follow(execution.id);
      const waitMs = this.config.mcpToolTimeoutMs;
      const current = await this.executions.waitForEnd(execution.id, waitMs, context.signal);
      return executionResult(current, { waitedMs: waitMs, failureIsError: true });
    } finally {
      // Before the result goes out: every progress notification precedes it.
      await relay?.close();
    }
  }

  /**
   * Refusals the model can act on become tool errors: arguments that fail the workflow's
   * schema (nothing was stored), a workflow deactivated or deleted since the lookup, a queue
   * that is unavailable for a moment. Anything else is the JSON-RPC layer's.
   */
  private notStarted(tool: WorkflowTool, err: unknown): CallToolResult {
    if (!(err instanceof AppException)) throw err;
    const details = err.details ?? [];
    const aboutParams =
      details.length > 0 &&
      details.every((d) => d.field === 'params' || d.field.startsWith('params.'));
    if (err.code === 'VALIDATION_FAILED' && aboutParams) {
      const fields = details.map((d) => ({ ...d, field: argumentPath(d.field) }));
      return toolError(`Invalid arguments for ${tool.name}: ${describeFields(fields)}`);
    }
    if (err.status < 500 || err.code === 'SERVICE_UNAVAILABLE') {
      return toolError(`${tool.name} was not started: ${err.message}`);
    }
    throw err;
  }

  /** `_meta["rpa/run"]` checked by the rules of the REST start routes' run options. */
  private async runOptions(raw: unknown): Promise<{ value: RunOptions } | { error: string }> {
    if (raw === undefined) return { value: {} };
    const where = `_meta "${RUN_OPTIONS_META_KEY}"`;
    if (!isPlainObject(raw)) return { error: `${where} must be an object` };
    if ('params' in raw) {
      return { error: `${where} takes run options only; the workflow inputs are the arguments` };
    }
    try {
      const dto = (await this.runOptionsPipe.transform(raw, {
        type: 'body',
        metatype: RunOptionsDto,
      })) as RunOptionsDto;
      const { params: _params, ...value } = dto;
      return { value };
    } catch (err) {
      if (err instanceof AppException && err.details) {
        return { error: `invalid run options in ${where}: ${describeFields(err.details)}` };
      }
      throw err;
    }
  }

  private async getExecution(
    principal: Principal,
    args: Record<string, unknown>,
  ): Promise<CallToolResult> {
    this.requireScope(principal, 'read');
    const id = args.execution_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
      return toolError(
        `Invalid arguments for ${GET_EXECUTION_TOOL_NAME}: execution_id: ` +
          (id === undefined ? 'is required' : 'must be a string of 1-64 characters'),
      );
    }
    try {
      return executionResult(await this.executions.get(principal.userId, id));
    } catch (err) {
      if (err instanceof AppException && err.code === 'EXECUTION_NOT_FOUND') {
        return toolError(err.message);
      }
      throw err;
    }
  }

  private async workflowTools(userId: string): Promise<WorkflowTool[]> {
    const active = await this.workflows.listActive(userId);
    return assignToolNames(active, [...CONTROL_TOOL_NAMES, GET_EXECUTION_TOOL_NAME]).map(
      ({ name, workflow }) => ({
        name,
        workflow,
        inputSchema: toolInputSchema(workflow.parameters),
      }),
    );
  }

  private describeTool(tool: WorkflowTool): Tool {
    const { workflow } = tool;
    const origin = `RPA workflow "${workflow.name}" (project_id ${workflow.project_id}, version ${workflow.version})`;
    const description = workflow.description?.trim()
      ? `${workflow.description.trim()}\n\nRuns the ${origin}.`
      : `Runs the ${origin} with the given parameters and returns its result.`;
    return {
      name: tool.name,
      title: workflow.name,
      description,
      inputSchema: tool.inputSchema,
      outputSchema: EXECUTION_SUMMARY_SCHEMA,
      // A robot acts on other systems; nothing more is known about what it does.
      annotations: { title: workflow.name, readOnlyHint: false, openWorldHint: true },
    };
  }

  private requireScope(principal: Principal, scope: Scope): void {
    if (!principal.scopes.includes(scope)) {
      throw forbidden(`This API key lacks the scope: ${scope}`);
    }
  }
}

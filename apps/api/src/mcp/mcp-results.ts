import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';
import { JsonObject } from '@app/common';
import { ExecutionEntity, ExecutionStatus, isFinal } from '../execution/entities/execution.entity';

export const GET_EXECUTION_TOOL_NAME = 'get_execution';

/**
 * `_meta` key of a tools/call request carrying the run options of docs/run-control.md (`priority`,
 * `reference`, `timeout_ms`, `callback_url`, `exec_position`): set by a client's code, not by
 * the model, since the arguments are the workflow's own inputs.
 */
export const RUN_OPTIONS_META_KEY = 'rpa/run';

/**
 * JSON-RPC error codes of this server, in the implementation-defined range (-32000..-32099)
 * and clear of the codes the SDK itself uses (-32000 connection closed, -32001 timeout,
 * -32042 URL elicitation). `data.error` carries the machine code of docs/api.md.
 */
export const McpErrorCodes = {
  Unauthenticated: -32010,
  Forbidden: -32011,
} as const;

/**
 * A JSON-RPC error answer. The SDK sends any thrown error's `code`, `message` and `data`;
 * unlike its McpError, this keeps the message as written (McpError prefixes "MCP error <code>:",
 * and SDK clients prefix it once more).
 */
export class McpRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: { error: string },
  ) {
    super(message);
    this.name = 'McpRequestError';
  }
}

/**
 * Answers an HTTP request to /mcp with a JSON-RPC error outside any session (`id: null`): the
 * MCP counterpart of the envelope, for refusals made before the SDK sees the request.
 */
export function sendJsonRpcError(
  res: Response,
  status: number,
  error: { code: number; message: string; data?: { error: string } },
): void {
  res.status(status).json({ jsonrpc: '2.0', error, id: null });
}

export const unauthenticated = (message: string) =>
  new McpRequestError(McpErrorCodes.Unauthenticated, message, { error: 'UNAUTHENTICATED' });

export const forbidden = (message: string) =>
  new McpRequestError(McpErrorCodes.Forbidden, message, { error: 'FORBIDDEN' });

export const unknownTool = (name: string) =>
  new McpRequestError(
    ErrorCode.InvalidParams,
    `Unknown tool "${name}": none of your active workflows has this tool name (it may have ` +
      'been deactivated, renamed or deleted since tools/list); list the tools again',
    { error: 'WORKFLOW_NOT_FOUND' },
  );

export const internalError = () =>
  new McpRequestError(ErrorCode.InternalError, 'Internal server error; try again later', {
    error: 'INTERNAL',
  });

/** What every tool answers about an execution (its `structuredContent`). */
export interface ExecutionSummary {
  [key: string]: unknown;
  execution_id: string;
  project_id: string;
  status: ExecutionStatus;
  /** True once the execution has ended (COMPLETED, FAILED or CANCELLED). */
  done: boolean;
  progress: number;
  /** The robot's result; its outputs are conventionally under `result.data`. */
  result: JsonObject | null;
  error: string | null;
  created_at: string;
  start_time: string | null;
  end_time: string | null;
}

const nullable = (type: string) => ({ type: [type, 'null'] });

/** The `outputSchema` of every tool: it holds for each result a tool returns without error. */
export const EXECUTION_SUMMARY_SCHEMA = {
  type: 'object',
  properties: {
    execution_id: { type: 'string', description: 'Pass it to get_execution to follow the run' },
    project_id: { type: 'string' },
    status: { type: 'string', enum: Object.values(ExecutionStatus) },
    done: { type: 'boolean', description: 'True once the execution has ended' },
    progress: { type: 'number', minimum: 0, maximum: 100 },
    result: {
      ...nullable('object'),
      description: "The robot's result; its outputs are under result.data",
    },
    error: nullable('string'),
    created_at: { type: 'string', format: 'date-time' },
    start_time: nullable('string'),
    end_time: nullable('string'),
  },
  required: [
    'execution_id',
    'project_id',
    'status',
    'done',
    'progress',
    'result',
    'error',
    'created_at',
    'start_time',
    'end_time',
  ],
} satisfies Tool['outputSchema'];

export function summarise(execution: ExecutionEntity): ExecutionSummary {
  return {
    execution_id: execution.id,
    project_id: execution.project_id,
    status: execution.status,
    done: isFinal(execution.status),
    progress: Number(execution.progress),
    result: execution.result ?? null,
    error: execution.error ?? null,
    created_at: execution.created_at.toISOString(),
    start_time: execution.start_time?.toISOString() ?? null,
    end_time: execution.end_time?.toISOString() ?? null,
  };
}

/** A tool execution error the model can read and act on (no structured content). */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * An execution as a tool result: its summary as JSON text and as `structuredContent`.
 * With `failureIsError` (a workflow tool's own run), FAILED and CANCELLED are tool errors.
 * One still running after `waitedMs` comes with a hint to poll it, and is not an error.
 */
export function executionResult(
  execution: ExecutionEntity,
  options: { waitedMs?: number; failureIsError?: boolean } = {},
): CallToolResult {
  const summary = summarise(execution);
  const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(summary) }];
  if (!summary.done && options.waitedMs !== undefined) {
    content.push({
      type: 'text',
      text:
        `Execution ${summary.execution_id} is still ${summary.status} (progress ` +
        `${summary.progress}%) after ${options.waitedMs} ms; it goes on. Call ` +
        `${GET_EXECUTION_TOOL_NAME} with {"execution_id": "${summary.execution_id}"} to follow it.`,
    });
  }
  const failed =
    options.failureIsError === true &&
    (summary.status === ExecutionStatus.Failed || summary.status === ExecutionStatus.Cancelled);
  return { content, structuredContent: summary, ...(failed ? { isError: true } : {}) };
}

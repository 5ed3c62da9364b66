import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { JsonObject } from '@app/common';
import { ExecutionEntity, ExecutionErrorCode, ExecutionStatus, isFinal } from '../../execution';
import { WorkflowEntity } from '../../workflow';
import { ToolInputSchema, toolInputSchema } from '../tool-input-schema';
import { SnapshotStatus } from './control-tools';

/**
 * The release number clients pin (an integer, as on the platform): the first number in the
 * workflow's version ("2.1.0" → 2, "v3" → 3), 1 when it has none.
 */
export function releaseNumber(version: string | null | undefined): number {
  const match = version?.match(/\d+/);
  const n = match ? Number(match[0]) : 0;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

const digest = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

const ADMITTED = { allowed: true, reason: null, enforced: false };

export function workflowSummary(workflow: WorkflowEntity) {
  return {
    projectId: workflow.project_id,
    name: workflow.name,
    description: workflow.description ?? '',
    version: releaseNumber(workflow.version),
    versionLabel: workflow.version,
    admission: ADMITTED,
    capabilityClass: null,
    capabilities: null,
  };
}

/**
 * What a client prepares a run against. `revision` changes whenever the version or the input
 * schema does, so a start that names an old revision is refused instead of running inputs
 * prepared for another declaration.
 */
export function workflowProfile(workflow: WorkflowEntity, inputSchema: ToolInputSchema) {
  const inputSchemaHash = digest(inputSchema);
  return {
    schemaVersion: 1 as const,
    projectId: workflow.project_id,
    version: releaseNumber(workflow.version),
    revision: digest({
      projectId: workflow.project_id,
      version: workflow.version,
      inputSchemaHash,
    }),
    inputSchemaHash,
    admission: ADMITTED,
    resultVisibility: 'json' as const,
  };
}

export function workflowDetail(workflow: WorkflowEntity) {
  const inputSchema = toolInputSchema(workflow.parameters);
  return {
    ...workflowSummary(workflow),
    inputSchema,
    supportsCancel: true,
    profile: workflowProfile(workflow, inputSchema),
  };
}

export function snapshotStatus(execution: ExecutionEntity): SnapshotStatus {
  switch (execution.status) {
    case ExecutionStatus.Pending:
      return 'accepted';
    case ExecutionStatus.Running:
      return 'running';
    case ExecutionStatus.Completed:
      return 'succeeded';
    case ExecutionStatus.Cancelled:
      return 'cancelled';
    case ExecutionStatus.Failed:
      return execution.error_code === ExecutionErrorCode.Timeout ? 'timeout' : 'failed';
    default:
      return 'unknown';
  }
}

/** The failures that have a code of their own; any other is EXECUTION_FAILED. */
const FAILED_CODES: Partial<Record<ExecutionErrorCode, string>> = {
  [ExecutionErrorCode.CreateFailed]: 'DISPATCH_FAILED',
  [ExecutionErrorCode.NoExecutor]: 'CLIENT_OFFLINE',
  [ExecutionErrorCode.ExecutorLost]: 'CLIENT_OFFLINE',
  [ExecutionErrorCode.ClientOffline]: 'CLIENT_OFFLINE',
};

/** Why a run did not succeed, as a stable code and the service's own sentence. */
function snapshotError(execution: ExecutionEntity, status: SnapshotStatus) {
  const message = execution.error ?? `Execution ended as ${execution.status}`;
  switch (status) {
    case 'cancelled':
      return { code: 'EXECUTION_CANCELLED', message };
    case 'timeout':
      return { code: 'EXECUTION_TIMEOUT', message };
    case 'failed': {
      const code = execution.error_code && FAILED_CODES[execution.error_code];
      return { code: code ?? 'EXECUTION_FAILED', message };
    }
    default:
      return null;
  }
}

/** The outputs of a succeeded run: the robot's `result.data` when it has one, else `result`. */
function outputs(result: JsonObject | null): unknown {
  if (result && typeof result === 'object' && 'data' in result) return result.data ?? null;
  return result ?? null;
}

const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

export function executionSnapshot(execution: ExecutionEntity) {
  const status = snapshotStatus(execution);
  const terminal = isFinal(execution.status);
  return {
    executionId: execution.id,
    projectId: execution.project_id,
    version: releaseNumber(execution.workflow_version),
    status,
    terminal,
    acceptedAt: iso(execution.created_at),
    startedAt: iso(execution.start_time),
    finishedAt: terminal ? iso(execution.end_time) : null,
    clientId: null,
    runId: execution.robot_task_id ?? null,
    cancelRequested: execution.status === ExecutionStatus.Cancelled,
    progress: Number(execution.progress),
    result: status === 'succeeded' ? outputs(execution.result) : null,
    error: snapshotError(execution, status),
    supportsCancel: !terminal,
    resultVisibility: 'json' as const,
  };
}

/** A control tool's answer: the JSON as `structuredContent` and, identical, as text. */
export function controlResult(payload: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(payload) }], structuredContent: payload };
}

/** A control tool's refusal: `{error: {code, message}}`, flagged `isError`. */
export function controlError(code: string, message: string): CallToolResult {
  const payload = { error: { code, message } };
  return {
    content: [{ type: 'text', text: JSON.stringify(payload) }],
    structuredContent: payload,
    isError: true,
  };
}

import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { PLATFORM_RUN_STATUSES, PlatformRunStatus } from '@app/common';

/**
 * The platform's fixed MCP control tools, for agents and the platform's n8n node: generic
 * workflow discovery and asynchronous, idempotent runs. Names, inputs and result shapes follow
 * the platform's own definitions, so its clients work unchanged.
 */
export const ControlToolName = {
  IntegrationGet: 'astron_integration_get',
  WorkflowList: 'astron_workflow_list',
  WorkflowGet: 'astron_workflow_get',
  WorkflowExecute: 'astron_workflow_execute',
  ExecutionGet: 'astron_execution_get',
  ExecutionCancel: 'astron_execution_cancel',
} as const;
export type ControlToolName = (typeof ControlToolName)[keyof typeof ControlToolName];

export const CONTROL_TOOL_NAMES: readonly string[] = Object.values(ControlToolName);

export const isControlTool = (name: string): name is ControlToolName =>
  CONTROL_TOOL_NAMES.includes(name);

/** Machine codes of control tool errors (`{error: {code, message}}`). */
export const ControlErrorCode = {
  InvalidArguments: 'INVALID_ARGUMENTS',
  WorkflowNotFound: 'WORKFLOW_NOT_FOUND',
  VersionNotAllowed: 'VERSION_NOT_ALLOWED',
  ProfileStale: 'PROFILE_STALE',
  CapabilityUnsupported: 'CAPABILITY_UNSUPPORTED',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  ExecutionNotFound: 'EXECUTION_NOT_FOUND',
  ClientOffline: 'CLIENT_OFFLINE',
  Forbidden: 'FORBIDDEN',
  RateLimited: 'RATE_LIMITED',
  Unavailable: 'SERVICE_UNAVAILABLE',
  Internal: 'INTERNAL_ERROR',
} as const;

export const MAX_LIST_LIMIT = 100;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
export const MAX_EXECUTION_TIMEOUT_S = 86_400;

type Schema = Record<string, unknown>;

/** Bounds every integer argument: JSON Schema calls 1e300 an integer too. */
const MAX_INT32 = 2_147_483_647;

const objectSchema = (properties: Record<string, Schema>, required: string[]): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const nullable = (type: string): Schema => ({ type: [type, 'null'] });

const PROJECT_ID = { type: 'string', minLength: 1, maxLength: 100 };
/** Executions are UUIDs. */
const EXECUTION_ID = { type: 'string', minLength: 1, maxLength: 36 };
/** The release number: the leading number of the workflow's version ("2.1.0" → 2). */
const VERSION = { type: 'integer', minimum: 1, maximum: MAX_INT32 };
const ADMISSION = objectSchema(
  { allowed: { type: 'boolean' }, reason: nullable('string'), enforced: { type: 'boolean' } },
  ['allowed', 'reason', 'enforced'],
);

const WORKFLOW_PROPERTIES = {
  projectId: PROJECT_ID,
  name: { type: 'string' },
  description: { type: 'string' },
  version: VERSION,
  versionLabel: { type: 'string', description: 'The version as registered, e.g. "1.0.0"' },
  admission: ADMISSION,
  capabilityClass: { type: 'null' },
  capabilities: { type: 'null' },
};
const WORKFLOW_SCHEMA = objectSchema(WORKFLOW_PROPERTIES, Object.keys(WORKFLOW_PROPERTIES));

const PROFILE_SCHEMA = objectSchema(
  {
    schemaVersion: { const: 1 },
    projectId: PROJECT_ID,
    version: VERSION,
    revision: { type: 'string', description: 'Changes whenever the version or inputs change' },
    inputSchemaHash: { type: 'string' },
    admission: ADMISSION,
    resultVisibility: { enum: ['json'] },
  },
  [
    'schemaVersion',
    'projectId',
    'version',
    'revision',
    'inputSchemaHash',
    'admission',
    'resultVisibility',
  ],
);

export const SNAPSHOT_STATUSES = PLATFORM_RUN_STATUSES;
export type SnapshotStatus = PlatformRunStatus;

const SNAPSHOT_PROPERTIES = {
  executionId: { type: 'string' },
  projectId: PROJECT_ID,
  version: VERSION,
  status: { enum: [...SNAPSHOT_STATUSES] },
  terminal: { type: 'boolean' },
  acceptedAt: nullable('string'),
  startedAt: nullable('string'),
  finishedAt: nullable('string'),
  clientId: nullable('string'),
  runId: nullable('string'),
  cancelRequested: { type: 'boolean' },
  progress: { type: 'integer', minimum: 0, maximum: 100 },
  result: { description: "The workflow's outputs once succeeded, else null" },
  error: {
    anyOf: [
      { type: 'null' },
      objectSchema({ code: { type: 'string' }, message: { type: 'string' } }, ['code', 'message']),
    ],
  },
  supportsCancel: { type: 'boolean' },
  resultVisibility: { enum: ['json'] },
};
export const SNAPSHOT_SCHEMA = objectSchema(SNAPSHOT_PROPERTIES, Object.keys(SNAPSHOT_PROPERTIES));

const readOnly = { readOnlyHint: true, openWorldHint: false };

/** A refusal: `isError: true` and this as `structuredContent` (and as text). */
export const CONTROL_ERROR_SCHEMA = objectSchema(
  {
    error: objectSchema({ code: { type: 'string' }, message: { type: 'string' } }, [
      'code',
      'message',
    ]),
  },
  ['error'],
);

/**
 * A tool's answer or its refusal. SDK clients check every `structuredContent` against the
 * listed output schema, refusals included, so the schema names both shapes.
 */
const orError = (result: Schema): Tool['outputSchema'] =>
  ({ type: 'object', anyOf: [result, CONTROL_ERROR_SCHEMA] }) as Tool['outputSchema'];

export const CONTROL_TOOLS: readonly Tool[] = [
  {
    name: ControlToolName.IntegrationGet,
    title: 'Integration contract',
    description:
      'What this service supports (contract version, operations, limits) and whether your ' +
      'executor is online. Starts nothing.',
    inputSchema: objectSchema({}, []) as Tool['inputSchema'],
    outputSchema: { type: 'object' } as Tool['outputSchema'],
    annotations: readOnly,
  },
  {
    name: ControlToolName.WorkflowList,
    title: 'List workflows',
    description:
      'Lists your active workflows, a page at a time. Use projectId for stable references; ' +
      'pass nextOffset as offset for the next page (null when there is none).',
    inputSchema: objectSchema(
      {
        offset: { type: 'integer', minimum: 0, maximum: MAX_INT32 },
        limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT },
      },
      [],
    ) as Tool['inputSchema'],
    outputSchema: orError(
      objectSchema(
        { workflows: { type: 'array', items: WORKFLOW_SCHEMA }, nextOffset: nullable('integer') },
        ['workflows', 'nextOffset'],
      ),
    ),
    annotations: readOnly,
  },
  {
    name: ControlToolName.WorkflowGet,
    title: 'Get a workflow',
    description: 'One of your active workflows: its version and the JSON Schema of its inputs.',
    inputSchema: objectSchema({ projectId: PROJECT_ID }, ['projectId']) as Tool['inputSchema'],
    outputSchema: orError(
      objectSchema(
        {
          ...WORKFLOW_PROPERTIES,
          inputSchema: { type: 'object' },
          supportsCancel: { type: 'boolean' },
          profile: PROFILE_SCHEMA,
        },
        [...Object.keys(WORKFLOW_PROPERTIES), 'inputSchema', 'supportsCancel', 'profile'],
      ),
    ),
    annotations: readOnly,
  },
  {
    name: ControlToolName.WorkflowExecute,
    title: 'Start a workflow',
    description:
      'Starts one of your workflows asynchronously and returns its execution snapshot at once; ' +
      'follow it with astron_execution_get. Reuse idempotencyKey to retry the same request ' +
      'safely (the same execution comes back); without a key, do not retry automatically. ' +
      "executionTimeout is the run's own deadline in seconds.",
    inputSchema: objectSchema(
      {
        projectId: PROJECT_ID,
        version: VERSION,
        params: { type: 'object', description: "The workflow's inputs" },
        idempotencyKey: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        executionTimeout: { type: 'integer', minimum: 1, maximum: MAX_EXECUTION_TIMEOUT_S },
        capabilityClass: { enum: ['json-data'] },
        profileRevision: { type: 'string', minLength: 1, maxLength: 100 },
      },
      ['projectId'],
    ) as Tool['inputSchema'],
    outputSchema: orError(SNAPSHOT_SCHEMA),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  },
  {
    name: ControlToolName.ExecutionGet,
    title: 'Get an execution',
    description:
      'The current snapshot of one of your executions. A successful call can report a failed run.',
    inputSchema: objectSchema({ executionId: EXECUTION_ID }, [
      'executionId',
    ]) as Tool['inputSchema'],
    outputSchema: orError(SNAPSHOT_SCHEMA),
    annotations: readOnly,
  },
  {
    name: ControlToolName.ExecutionCancel,
    title: 'Cancel an execution',
    description:
      'Cancels one of your executions that is still accepted or running (and its robot task). ' +
      'An execution that already ended is answered as it is.',
    inputSchema: objectSchema({ executionId: EXECUTION_ID }, [
      'executionId',
    ]) as Tool['inputSchema'],
    outputSchema: orError(SNAPSHOT_SCHEMA),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  },
];

export const controlTool = (name: ControlToolName): Tool =>
  CONTROL_TOOLS.find((tool) => tool.name === name) as Tool;

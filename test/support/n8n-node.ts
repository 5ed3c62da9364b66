import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * The platform's n8n community node (n8n-nodes-astron-rpa) as it talks to an MCP server:
 * its client name, headers, redirect refusal, per-step connection, result decoding and the
 * contract checks it applies to every answer, reproduced from its public source so a test
 * can replay its call sequence against this service. Only its `https:` endpoint rule is left
 * out (tests serve plain HTTP on loopback).
 */
export class NodeError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const object = (value: unknown): Record<string, unknown> => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new NodeError('INVALID_RESPONSE');
  }
  return value as Record<string, unknown>;
};

/** The node's request fingerprint and default idempotency key hash. */
export function nodeHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export class NodeMcpConnection {
  private readonly client = new Client({ name: 'n8n-nodes-astron-rpa', version: '0.1.0-dev.2' });
  private readonly transport: StreamableHTTPClientTransport;

  constructor(
    baseUrl: string,
    apiKey: string,
    private readonly timeout = 15_000,
  ) {
    // The node normalises the endpoint to end in "/mcp/".
    this.transport = new StreamableHTTPClientTransport(new URL('/mcp/', baseUrl), {
      requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
      fetch: async (url, init) => {
        const response = await fetch(url, {
          ...init,
          redirect: 'error',
          signal: AbortSignal.any([
            ...(init?.signal ? [init.signal] : []),
            AbortSignal.timeout(timeout),
          ]),
        });
        if (!response.ok && response.status !== 405) {
          throw new NodeError(
            response.status === 401
              ? 'AUTHENTICATION_FAILED'
              : response.status === 403
                ? 'PERMISSION_DENIED'
                : 'HTTP_ERROR',
          );
        }
        return response;
      },
    });
  }

  async connect(): Promise<void> {
    await this.client.connect(this.transport, { timeout: this.timeout });
    if (this.transport.protocolVersion !== '2025-11-25') {
      throw new NodeError('PROTOCOL_UNSUPPORTED');
    }
  }

  async listTools(): Promise<string[]> {
    return (await this.client.listTools({}, { timeout: this.timeout })).tools.map((t) => t.name);
  }

  /** The node's `call`: structuredContent, else one text block of JSON; tool errors by code. */
  async call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await this.client.callTool({ name, arguments: args }, undefined, {
      timeout: this.timeout,
    });
    let payload: unknown = result.structuredContent;
    if (payload === undefined) {
      const content = result.content as Array<{ type: string; text?: string }>;
      if (!Array.isArray(content) || content.length !== 1 || content[0].type !== 'text') {
        throw new NodeError('INVALID_RESPONSE');
      }
      payload = JSON.parse(content[0].text as string);
    }
    const value = object(payload);
    if (result.isError) {
      const code = object(value.error).code;
      throw new NodeError(
        typeof code === 'string' && /^[A-Z_]{3,64}$/.test(code) ? code : 'MCP_TOOL_ERROR',
      );
    }
    return value;
  }

  close(): Promise<void> {
    return this.client.close().catch(() => undefined);
  }
}

/** The node's `withMcp`: one connection per step. */
export async function withNodeMcp<T>(
  baseUrl: string,
  apiKey: string,
  action: (client: NodeMcpConnection) => Promise<T>,
): Promise<T> {
  const client = new NodeMcpConnection(baseUrl, apiKey);
  try {
    await client.connect();
    return await action(client);
  } finally {
    await client.close();
  }
}

export function checkIntegration(value: unknown): Record<string, unknown> {
  const v = object(value);
  const operations = [
    'workflow_list',
    'workflow_get',
    'workflow_execute',
    'execution_get',
    'execution_cancel',
  ];
  if (
    v.contractVersion !== 1 ||
    v.profileSchemaVersion !== 1 ||
    v.requiredClientProtocol !== 1 ||
    v.durableIdempotency !== true ||
    !Array.isArray(v.operations) ||
    !operations.every((op) => (v.operations as unknown[]).includes(op))
  ) {
    throw new NodeError('CONTRACT_UNSUPPORTED');
  }
  return v;
}

export function checkWorkflow(
  value: unknown,
  projectId: string,
  version: number,
): Record<string, unknown> {
  const v = object(value);
  if (v.projectId !== projectId || v.version !== version)
    throw new NodeError('VERSION_NOT_ALLOWED');
  const p = object(v.profile);
  if (
    p.schemaVersion !== 1 ||
    p.projectId !== projectId ||
    p.version !== version ||
    object(p.admission).allowed !== true ||
    typeof p.revision !== 'string'
  ) {
    throw new NodeError('ADMISSION_DENIED');
  }
  // The node's capability registry refuses any capabilityClass it does not know, null included.
  if (p.capabilityClass !== undefined) throw new NodeError('CAPABILITY_UNSUPPORTED');
  return p;
}

export interface NodeSnapshot extends Record<string, unknown> {
  executionId: string;
  projectId: string;
  version: number;
  status: string;
  terminal: boolean;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timeout']);
const STATES = new Set([...TERMINAL, 'accepted', 'running', 'unknown']);

export function snapshot(
  value: unknown,
  expected?: { executionId?: string; projectId?: string; version?: number },
): NodeSnapshot {
  const v = object(value);
  if (
    typeof v.executionId !== 'string' ||
    !/^[a-f0-9-]{36}$/i.test(v.executionId) ||
    typeof v.projectId !== 'string' ||
    !Number.isInteger(v.version) ||
    typeof v.status !== 'string' ||
    !STATES.has(v.status) ||
    v.terminal !== TERMINAL.has(v.status) ||
    typeof v.cancelRequested !== 'boolean' ||
    typeof v.supportsCancel !== 'boolean' ||
    !['json', 'suppressed-for-secret-inputs'].includes(String(v.resultVisibility))
  ) {
    throw new NodeError('INVALID_EXECUTION_RESPONSE');
  }
  if (
    expected &&
    Object.entries(expected).some(([k, want]) => want !== undefined && v[k] !== want)
  ) {
    throw new NodeError('EXECUTION_TARGET_MISMATCH');
  }
  return v as NodeSnapshot;
}

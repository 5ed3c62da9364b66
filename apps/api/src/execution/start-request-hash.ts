import { createHash } from 'node:crypto';
import type { StartExecutionInput } from './start-request';

/** JSON with object keys sorted at every level, so equal requests serialise equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * What makes two start requests "the same" for an idempotency key: the run they ask for, with
 * defaults filled in, whichever route (REST, legacy, MCP) carried it. Who retries and how it
 * is traced (trigger, request id) are not part of it.
 */
export function startRequestHash(input: Omit<StartExecutionInput, 'budget'>): string {
  const request = {
    project_id: input.projectId,
    params: input.params ?? {},
    exec_position: input.execPosition ?? 'EXECUTOR',
    priority: input.priority ?? 5,
    reference: input.reference ?? null,
    timeout_ms: input.timeoutMs ?? null,
    callback_url: input.callbackUrl ?? null,
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

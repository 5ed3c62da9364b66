import { createHash } from 'node:crypto';
import type { StartExecutionInput } from './execution.service';

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
export function startRequestHash(input: StartExecutionInput): string {
  const request = {
    project_id: input.project_id,
    params: input.params ?? {},
    exec_position: input.exec_position ?? 'EXECUTOR',
    priority: input.priority ?? 5,
    reference: input.reference ?? null,
    timeout_ms: input.timeout_ms ?? null,
    callback_url: input.callback_url ?? null,
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

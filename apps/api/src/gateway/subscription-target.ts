import { AppException } from '@app/common';
import { SubscriptionTarget } from './gateway.types';

const ID_MAX = 100;

function id(value: unknown, field: string): string {
  const text =
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '' || text.length > ID_MAX) {
    throw AppException.validation([
      { field, errors: [`${field} must be a non-empty string of at most ${ID_MAX} characters`] },
    ]);
  }
  return text;
}

/**
 * Reads a `subscribe` / `unsubscribe` payload: exactly one of `execution_id` and `project_id`
 * (project ids may come as numbers, as on the REST routes). Anything else is VALIDATION_FAILED.
 */
export function parseSubscriptionTarget(payload: unknown): SubscriptionTarget {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw AppException.validation([
      { field: 'payload', errors: ['must be an object {execution_id} or {project_id}'] },
    ]);
  }
  const body = payload as Record<string, unknown>;
  const hasExecution = body.execution_id !== undefined;
  const hasProject = body.project_id !== undefined;
  if (hasExecution === hasProject) {
    throw AppException.validation([
      { field: 'payload', errors: ['give exactly one of execution_id and project_id'] },
    ]);
  }
  return hasExecution
    ? { execution_id: id(body.execution_id, 'execution_id') }
    : { project_id: id(body.project_id, 'project_id') };
}

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ExecutionLogEntity } from '../../apps/api/src/execution/entities/execution-log.entity';
import {
  ExecutionEntity,
  ExecutionStatus,
  isFinal,
} from '../../apps/api/src/execution/entities/execution.entity';
import { waitFor } from './wait';

/** Executions as the database holds them (an app's DataSource, e.g. TestApp.db). */

export function executionRow(db: DataSource, id: string): Promise<ExecutionEntity | null> {
  return db.getRepository(ExecutionEntity).findOneBy({ id });
}

export function executionLogRows(db: DataSource, id: string): Promise<ExecutionLogEntity[]> {
  return db.getRepository(ExecutionLogEntity).find({
    where: { execution_id: id },
    order: { seq: 'ASC' },
  });
}

/** Waits until the execution's row satisfies `accept` (by default: it has ended). */
export function waitForExecution(
  db: DataSource,
  id: string,
  accept: (row: ExecutionEntity) => boolean = (row) => isFinal(row.status),
  timeoutMs = 30_000,
): Promise<ExecutionEntity> {
  return waitFor(() => executionRow(db, id), {
    what: `execution ${id}`,
    accept: (row): row is ExecutionEntity => row !== null && accept(row),
    timeoutMs,
  }) as Promise<ExecutionEntity>;
}

export const hasStatus =
  (...statuses: ExecutionStatus[]) =>
  (row: ExecutionEntity) =>
    statuses.includes(row.status);

/**
 * Writes an execution row directly, as a crash would leave it (no job, no event). One row per
 * call: a bulk insert re-reads the defaults into the entities in another order.
 */
export async function insertExecution(
  db: DataSource,
  patch: Partial<ExecutionEntity>,
): Promise<ExecutionEntity> {
  const repo = db.getRepository(ExecutionEntity);
  const now = new Date();
  const row = repo.create({
    id: randomUUID(),
    project_id: 'p-ops',
    user_id: 'ops-user',
    status: ExecutionStatus.Pending,
    parameters: {},
    result: null,
    error: null,
    exec_position: 'EXECUTOR',
    progress: 0,
    robot_task_id: null,
    trigger: 'api',
    priority: 5,
    created_at: now,
    updated_at: now,
    ...patch,
  });
  await repo.insert(row);
  return row;
}

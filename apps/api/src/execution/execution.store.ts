import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { JsonObject } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';

/** Columns written on insert, in order. */
const COLUMNS = [
  'id',
  'project_id',
  'workflow_version',
  'user_id',
  'status',
  'parameters',
  'result',
  'error',
  'exec_position',
  'progress',
  'robot_task_id',
  'trigger',
  'priority',
  'reference',
  'timeout_ms',
  'retry_of',
  'callback_url',
  'idempotency_key',
  'idempotency_hash',
  'request_id',
  'start_time',
  'end_time',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof ExecutionEntity>;

type Column = (typeof COLUMNS)[number];
type Patch = Partial<Pick<ExecutionEntity, Exclude<Column, 'id' | 'created_at' | 'updated_at'>>>;

const JSON_COLUMNS = new Set<string>(['parameters', 'result']);
const INSERT_SQL = `INSERT INTO executions (${COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

const toDb = (column: string, value: unknown): unknown =>
  JSON_COLUMNS.has(column) && value !== null && value !== undefined ? JSON.stringify(value) : value;

const parseJson = (value: unknown): JsonObject | null =>
  typeof value === 'string' ? (JSON.parse(value) as JsonObject) : ((value as JsonObject) ?? null);

/**
 * The execution queries every run makes (insert, load, state transitions), in plain SQL: they
 * run several times per execution, where building them through TypeORM's query builder cost
 * more CPU than the rest of the work. Everything else goes through the TypeORM repository.
 */
@Injectable()
export class ExecutionStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** On `runner` when given: the connection that holds the user's start lock. */
  async insert(execution: ExecutionEntity, runner?: QueryRunner): Promise<void> {
    await this.db.query(
      INSERT_SQL,
      COLUMNS.map((column) => toDb(column, execution[column])),
      runner,
    );
  }

  async findById(id: string): Promise<ExecutionEntity | null> {
    const rows = (await this.db.query('SELECT * FROM executions WHERE id = ?', [id])) as Array<
      Record<string, unknown>
    >;
    return rows[0] ? this.hydrate(rows[0]) : null;
  }

  /**
   * Applies `patch` only while the execution is in one of `from`: the single place where runs
   * change state, so that each one ends exactly once whoever races to end it.
   */
  async transition(id: string, from: readonly ExecutionStatus[], patch: Patch): Promise<boolean> {
    const columns = Object.keys(patch) as Array<keyof Patch>;
    const assignments = columns.map((column) => `\`${column}\` = ?`).join(', ');
    const result = (await this.db.query(
      `UPDATE executions SET ${assignments} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
      [...columns.map((column) => toDb(column, patch[column])), id, ...from],
    )) as { affectedRows?: number };
    return (result.affectedRows ?? 0) > 0;
  }

  /**
   * Marks a PENDING row as being worked on now (its robot task is being created), so a
   * reconciliation that cannot see its job (a flushed Redis) leaves it alone meanwhile.
   */
  async touchPending(id: string): Promise<void> {
    await this.db.query(`UPDATE executions SET updated_at = ? WHERE id = ? AND status = ?`, [
      new Date(),
      id,
      ExecutionStatus.Pending,
    ]);
  }

  private hydrate(row: Record<string, unknown>): ExecutionEntity {
    return Object.assign(new ExecutionEntity(), row, {
      parameters: parseJson(row.parameters),
      result: parseJson(row.result),
      progress: Number(row.progress),
      priority: Number(row.priority),
      timeout_ms: row.timeout_ms === null ? null : Number(row.timeout_ms),
    });
  }
}

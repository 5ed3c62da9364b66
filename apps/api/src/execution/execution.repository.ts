import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere, In, LessThan, QueryRunner, Repository } from 'typeorm';
import { JsonObject, Page, PageQueryDto, pageWindow } from '@app/common';
import { ListExecutionsQueryDto } from './dto/execution-query.dto';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import {
  ACTIVE_STATUSES,
  ExecutionEntity,
  ExecutionStatus,
  FINAL_STATUSES,
} from './entities/execution.entity';

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
  'error_code',
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
/** A failure is written whole: its sentence and its code together, or neither. */
type FailurePatch =
  { error?: never; error_code?: never } | Pick<ExecutionEntity, 'error' | 'error_code'>;
type Patch = Partial<
  Pick<ExecutionEntity, Exclude<Column, 'id' | 'created_at' | 'updated_at' | keyof FailurePatch>>
> &
  FailurePatch;

/**
 * A connection of its own, held for one user's start: the start lock, the active count and
 * the insert run on it (see ActiveExecutionCap).
 */
export type StartSession = QueryRunner;

/**
 * The named lock of the user given as its parameter: per user and database (several
 * deployments may share a server), 42 of MySQL's 64 characters.
 */
export const START_LOCK_NAME = "CONCAT('rpa:start:', MD5(CONCAT(DATABASE(), '/', ?)))";
/** The named lock one reconciliation pass holds, per database. */
const RECONCILE_LOCK_NAME = "CONCAT('rpa-reconcile:', LEFT(MD5(DATABASE()), 24))";

/** A log line as the robot reported it, numbered within its run. */
export type NewLogLine = Pick<ExecutionLogEntity, 'execution_id' | 'seq' | 'level' | 'message'>;

/** Where a walk over the active rows (oldest first) has got to. */
export interface ActiveRowCursor {
  created_at: Date;
  id: string;
}

const COUNT_ACTIVE = `SELECT COUNT(*) AS n FROM executions WHERE user_id = ? AND status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')})`;
const JSON_COLUMNS = new Set<string>(['parameters', 'result']);
const INSERT_SQL = `INSERT INTO executions (${COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

const toDb = (column: string, value: unknown): unknown =>
  JSON_COLUMNS.has(column) && value !== null && value !== undefined ? JSON.stringify(value) : value;

const parseJson = (value: unknown): JsonObject | null =>
  typeof value === 'string' ? (JSON.parse(value) as JsonObject) : ((value as JsonObject) ?? null);

/**
 * The one owner of the executions and execution_logs tables. The queries every run makes
 * (insert, load, state transitions, the active count of a start) are plain SQL: they run
 * several times per execution, where building them through TypeORM's query builder cost more
 * CPU than the rest of the work. The rare ones (lists, retention, reconciliation) use TypeORM.
 */
@Injectable()
export class ExecutionRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(ExecutionEntity) private readonly executions: Repository<ExecutionEntity>,
    @InjectRepository(ExecutionLogEntity) private readonly logs: Repository<ExecutionLogEntity>,
  ) {}

  /** On `runner` when given: the connection that holds the user's start lock. */
  async insert(execution: ExecutionEntity, runner?: StartSession): Promise<void> {
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

  findByIdempotencyKey(userId: string, key: string): Promise<ExecutionEntity | null> {
    return this.executions.findOneBy({ user_id: userId, idempotency_key: key });
  }

  /** The user's PENDING and RUNNING rows; on `runner` when given (the start lock's). */
  async countActive(userId: string, runner?: StartSession): Promise<number> {
    const rows = (await this.db.query(
      COUNT_ACTIVE,
      [userId, ...ACTIVE_STATUSES],
      runner,
    )) as Array<{
      n: number | string;
    }>;
    return Number(rows[0]?.n ?? 0);
  }

  /** Newest first; every user's when `userId` is undefined (admin). */
  async list(
    userId: string | undefined,
    query: ListExecutionsQueryDto,
  ): Promise<Page<ExecutionEntity>> {
    const where: FindOptionsWhere<ExecutionEntity> = {};
    if (userId !== undefined) where.user_id = userId;
    if (query.project_id !== undefined) where.project_id = query.project_id;
    if (query.status !== undefined) where.status = query.status;
    if (query.reference !== undefined) where.reference = query.reference;
    const [records, total] = await this.executions.findAndCount({
      where,
      order: { created_at: 'DESC', id: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  async listLogs(executionId: string, query: PageQueryDto): Promise<Page<ExecutionLogEntity>> {
    const [records, total] = await this.logs.findAndCount({
      where: { execution_id: executionId },
      order: { seq: 'ASC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  async appendLogs(lines: NewLogLine[]): Promise<void> {
    await this.logs.createQueryBuilder().insert().values(lines).updateEntity(false).execute();
  }

  /** The highest line number stored for a run (0 for none). */
  async lastLogSeq(executionId: string): Promise<number> {
    const row = await this.logs
      .createQueryBuilder('l')
      .select('MAX(l.seq)', 'max')
      .where('l.execution_id = :executionId', { executionId })
      .getRawOne<{ max: number | null }>();
    return Number(row?.max ?? 0);
  }

  /**
   * The next `limit` active rows after `cursor`, oldest first, among those not changed since
   * `changedBefore` (keyset pagination: rows that leave the set do not shift the pages).
   */
  async activeAfter(
    cursor: ActiveRowCursor | undefined,
    changedBefore: Date,
    limit: number,
  ): Promise<ActiveRowCursor[]> {
    const qb = this.executions
      .createQueryBuilder('e')
      .select(['e.id', 'e.created_at'])
      .where('e.status IN (:...active)', { active: [...ACTIVE_STATUSES] })
      .andWhere('e.updated_at <= :before', { before: changedBefore })
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(limit);
    if (cursor) {
      qb.andWhere('(e.created_at > :at OR (e.created_at = :at AND e.id > :id))', {
        at: cursor.created_at,
        id: cursor.id,
      });
    }
    return qb.getMany();
  }

  /** Ids of up to `limit` runs that ended before `cutoff`, oldest first. */
  async endedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows = await this.executions.find({
      select: { id: true },
      where: { end_time: LessThan(cutoff), status: In([...FINAL_STATUSES]) },
      order: { end_time: 'ASC' },
      take: limit,
    });
    return rows.map((row) => row.id);
  }

  /** Deletes these runs, if ended, and their log lines; how many of each went. */
  async deleteEnded(ids: string[]): Promise<{ executions: number; logs: number }> {
    const logs = await this.logs.delete({ execution_id: In(ids) });
    const executions = await this.executions.delete({
      id: In(ids),
      status: In([...FINAL_STATUSES]),
    });
    return { executions: executions.affected ?? 0, logs: logs.affected ?? 0 };
  }

  /** A connection of its own for a start; connected by startLock. */
  openStartSession(): StartSession {
    return this.db.createQueryRunner();
  }

  /**
   * Connects `session` and takes the user's start lock on it, waiting at most `waitMs` inside
   * MySQL: true when held, false when another start kept it, null when MySQL answered NULL.
   */
  async startLock(session: StartSession, userId: string, waitMs: number): Promise<boolean | null> {
    await session.connect();
    const [row] = (await session.query(`SELECT GET_LOCK(${START_LOCK_NAME}, ?) AS got`, [
      userId,
      waitMs / 1000,
    ])) as Array<{ got: number | string | null }>;
    return row?.got === null || row?.got === undefined ? null : Number(row.got) === 1;
  }

  async startUnlock(session: StartSession, userId: string): Promise<void> {
    await session.query(`SELECT RELEASE_LOCK(${START_LOCK_NAME})`, [userId]);
  }

  /**
   * Runs `pass` while holding the reconciliation lock (one pass at a time across every
   * process on this database); `{ ran: false }` when another process holds it.
   */
  async whileReconcileLocked<T>(
    pass: () => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [row] = (await runner.query(
        `SELECT GET_LOCK(${RECONCILE_LOCK_NAME}, 0) AS got`,
      )) as Array<{
        got: number | string | null;
      }>;
      if (Number(row?.got) !== 1) return { ran: false };
      try {
        return { ran: true, value: await pass() };
      } finally {
        await runner.query(`SELECT RELEASE_LOCK(${RECONCILE_LOCK_NAME})`);
      }
    } finally {
      await runner.release().catch(() => undefined);
    }
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

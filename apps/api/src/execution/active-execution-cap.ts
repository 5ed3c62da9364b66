import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig, AppException } from '@app/common';
import { ACTIVE_STATUSES } from './entities/execution.entity';
import { KeyedTurns } from './keyed-turns';

/** How long a start waits for the starts of the same user ahead of it (in every process). */
export const START_TURN_WAIT_MS = 3000;
/** What MySQL has, past that wait, to hand out the lock before the start answers 503. */
const MYSQL_ANSWER_MS = 2000;

/**
 * The named lock of the user given as its parameter: per user and database (several
 * deployments may share a server), 42 of MySQL's 64 characters.
 */
export const START_LOCK_NAME = "CONCAT('rpa:start:', MD5(CONCAT(DATABASE(), '/', ?)))";
const COUNT_ACTIVE = `SELECT COUNT(*) AS n FROM executions WHERE user_id = ? AND status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')})`;

/** Stores the new execution row; on `runner` when given (the connection holding the lock). */
export type InsertRow = (runner?: QueryRunner) => Promise<void>;

const busy = () =>
  new AppException(
    'RATE_LIMITED',
    'Too many executions being started by this user at the same moment; retry in 1 s',
    undefined,
    { 'Retry-After': '1' },
  );

const mysqlUnavailable = () =>
  new AppException(
    'SERVICE_UNAVAILABLE',
    'MySQL is unavailable (starting an execution); try again',
  );

/**
 * MAX_ACTIVE_EXECUTIONS_PER_USER, exact under bursts and across processes: the COUNT of the
 * user's PENDING/RUNNING rows and the INSERT of the new one run under a MySQL named lock of
 * that user, so no two starts of one user see the same room. Starts of one user also take
 * turns within a process first, so a burst holds one pooled connection, not one per request.
 * Waiting is bounded (429 when the user's own starts keep the lock, 503 when MySQL does not
 * answer). Without a cap nothing is locked.
 */
@Injectable()
export class ActiveExecutionCap {
  private readonly logger = new Logger(ActiveExecutionCap.name);
  private readonly turns = new KeyedTurns();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Inserts the user's new run when the cap allows it. Answers the user's backlog: how many of
   * their runs were PENDING or RUNNING before this one (counted only when something needs it).
   */
  async admit(userId: string, insert: InsertRow): Promise<number> {
    const cap = this.config.limits.maxActivePerUser;
    if (cap <= 0) {
      const backlog = this.config.execution.fairShare ? await this.countActive(userId) : 0;
      await insert();
      return backlog;
    }
    return this.inTurn(userId, async (runner) => {
      const active = await this.countActive(userId, runner);
      if (active >= cap) {
        throw new AppException(
          'RATE_LIMITED',
          `Too many active executions: ${active} PENDING or RUNNING (limit ${cap}); ` +
            'start again when one has ended',
        );
      }
      await insert(runner);
      return active;
    });
  }

  private async countActive(userId: string, runner?: QueryRunner): Promise<number> {
    const rows = (await this.db.query(
      COUNT_ACTIVE,
      [userId, ...ACTIVE_STATUSES],
      runner,
    )) as Array<{
      n: number | string;
    }>;
    return Number(rows[0]?.n ?? 0);
  }

  private async inTurn<T>(userId: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const deadline = Date.now() + START_TURN_WAIT_MS;
    const endTurn = await this.turns.take(userId, START_TURN_WAIT_MS);
    if (!endTurn) throw busy();
    try {
      const runner = await this.lock(userId, Math.max(0, deadline - Date.now()));
      try {
        return await work(runner);
      } finally {
        await this.unlock(runner, userId);
      }
    } finally {
      endTurn();
    }
  }

  private async lock(userId: string, waitMs: number): Promise<QueryRunner> {
    const runner = this.db.createQueryRunner();
    const attempt = (async () => {
      await runner.connect();
      const [row] = (await runner.query(`SELECT GET_LOCK(${START_LOCK_NAME}, ?) AS got`, [
        userId,
        waitMs / 1000,
      ])) as Array<{ got: number | string | null }>;
      return row?.got === null || row?.got === undefined ? null : Number(row.got) === 1;
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs + MYSQL_ANSWER_MS);
    });
    try {
      const got = await Promise.race([attempt, late]);
      if (got === true) return runner;
      if (got === false) {
        await runner.release();
        throw busy();
      }
      if (got === 'late') {
        // The connection (or the lock) may still come: hand both back when they do.
        void attempt
          .then((held) => (held ? this.unlock(runner, userId) : runner.release()))
          .catch(() => runner.release().catch(() => undefined));
      } else await runner.release();
      throw mysqlUnavailable();
    } catch (err) {
      if (err instanceof AppException) throw err;
      this.logger.warn(`Could not take the start lock of a user: ${(err as Error).message}`);
      await runner.release().catch(() => undefined);
      throw mysqlUnavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  private async unlock(runner: QueryRunner, userId: string): Promise<void> {
    try {
      await runner.query(`SELECT RELEASE_LOCK(${START_LOCK_NAME})`, [userId]);
    } catch (err) {
      // A connection that failed here is dropped by the pool, and its locks with it.
      this.logger.warn(`Could not release the start lock of a user: ${(err as Error).message}`);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
}

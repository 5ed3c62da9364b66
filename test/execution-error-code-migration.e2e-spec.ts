import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ensureDatabase } from '@app/common';
import { MIGRATIONS } from '../apps/api/src/database';
import { ExecutionErrorCode1764700000000 } from '../apps/api/src/database/migrations/1764700000000-execution-error-code';
import { ExecutionErrors } from '../apps/api/src/execution';
import { errorCodeOfMessage } from '../apps/api/src/legacy/legacy-error-code';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';

/** Rows as the versions before error_code left them: a status and a message. */
const ROWS: Array<[status: string, error: string | null]> = [
  ['COMPLETED', null],
  ['RUNNING', null],
  ['PENDING', null],
  ['FAILED', ExecutionErrors.createFailed('HTTP 400: client offline').message],
  ['FAILED', ExecutionErrors.taskFailed('paper jam').message],
  ['FAILED', ExecutionErrors.taskFailed('the robot says Offline').message],
  ['FAILED', 'Robot task failed: NO_EXECUTOR: no executor of this user was connected'],
  ['FAILED', "Robot task failed: EXECUTOR_LOST: the executor's connection dropped"],
  ['FAILED', 'Robot task failed: TIMEOUT: the executor stopped the run at its deadline'],
  ['FAILED', ExecutionErrors.timedOut(1500).message],
  ['FAILED', ExecutionErrors.robotUnreachable('HTTP 500').message],
  ['FAILED', ExecutionErrors.cancelled.message],
  ['FAILED', ExecutionErrors.enqueueFailed.message],
  ['FAILED', ExecutionErrors.workerGaveUp('db down').message],
  ['FAILED', ExecutionErrors.notResumable.message],
  ['FAILED', 'Imported while RUNNING on the legacy service'],
  ['FAILED', 'Timed out on the legacy service: no answer'],
  ['FAILED', 'NO_EXECUTOR: no executor of the user came online'],
  ['FAILED', 'robot task failed (lower case)'],
  ['FAILED', 'ROBOT_TASK_FAILED'],
  ['FAILED', null],
  ['CANCELLED', ExecutionErrors.cancelled.message],
  ['CANCELLED', ExecutionErrors.cancelledByRobot.message],
  ['CANCELLED', 'stopped by the operator'],
];

describe(ExecutionErrorCode1764700000000.name, () => {
  const env = testEnv();
  let db: DataSource;

  beforeAll(async () => {
    // The migrations' progress lines are not what this test is about.
    Logger.overrideLogger(['warn', 'error']);
    await ensureDatabase(env.DATABASE_URL);
    const options = { url: env.DATABASE_URL, poolSize: 2, entities: [] };
    const before = MIGRATIONS.filter((m) => m !== ExecutionErrorCode1764700000000);
    const older = new DataSource(buildDataSourceOptions({ ...options, migrations: before }));
    await older.initialize();
    await older.runMigrations();
    await older.destroy();
    db = await new DataSource(
      buildDataSourceOptions({ ...options, migrations: MIGRATIONS }),
    ).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await dropTestResources(env);
  });

  const columns = async (): Promise<string[]> =>
    (
      (await db.query(
        `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = DATABASE() AND table_name = 'executions'`,
      )) as Array<{ name: string }>
    ).map((c) => c.name);

  it('should add error_code, give ended rows the code their message stood for, and drop it on down', async () => {
    const ids = ROWS.map(() => randomUUID());
    for (const [i, [status, error]] of ROWS.entries()) {
      await db.query(
        `INSERT INTO executions (id, project_id, user_id, status, error, created_at, updated_at)
         VALUES (?, 'p1', 'u1', ?, ?, NOW(3), NOW(3))`,
        [ids[i], status, error],
      );
    }

    expect(await db.runMigrations()).toEqual([
      expect.objectContaining({ name: 'ExecutionErrorCode1764700000000' }),
    ]);

    const rows = (await db.query('SELECT id, error_code FROM executions')) as Array<{
      id: string;
      error_code: string | null;
    }>;
    const codeOf = new Map(rows.map((row) => [row.id, row.error_code]));
    const got = ROWS.map(([status, error], i) => [status, error, codeOf.get(ids[i])]);
    // The importer reads old messages by the same rules as the backfill.
    const expected = ROWS.map(([status, error]) => [
      status,
      error,
      errorCodeOfMessage(status, error),
    ]);
    expect(got).toEqual(expected);
    expect(got.map(([, , code]) => code)).toEqual([
      null,
      null,
      null,
      'create_failed',
      'robot_error',
      'client_offline',
      'no_executor',
      'executor_lost',
      'robot_error',
      'timeout',
      'robot_unreachable',
      'cancelled',
      'queue_unavailable',
      'worker_gave_up',
      'lost',
      'lost',
      'lost',
      'client_offline',
      'unknown',
      'unknown',
      'unknown',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);

    await db.undoLastMigration();
    expect(await columns()).not.toContain('error_code');
    expect(await columns()).toContain('error');
  });
});

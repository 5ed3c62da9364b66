import { MigrationInterface, QueryRunner } from 'typeorm';

/** A prefix of `error`, compared byte for byte (the column's collation ignores case). */
const startsWith = (prefix: string): string =>
  `CAST(error AS BINARY) LIKE '${prefix.replace(/_/g, '\\_')}%'`;

/** A sentence naming an absent client, in any case. */
const NAMES_OFFLINE = `(error LIKE '%NO\\_EXECUTOR%' OR error LIKE '%EXECUTOR\\_LOST%' OR error LIKE '%offline%')`;

/**
 * Why a run failed is stored as a code (`error_code`) next to its sentence (`error`), so the
 * wire codes are read from data rather than from the sentence. Rows that ended before are
 * given the code their message stood for; the legacy importer reads old messages the same way
 * (errorCodeOfMessage). The rules are copied here, not imported, so that this migration keeps
 * doing what it did when later code changes.
 */
export class ExecutionErrorCode1764700000000 implements MigrationInterface {
  name = 'ExecutionErrorCode1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE executions ADD COLUMN error_code varchar(32) NULL AFTER error');
    await q.query(`
      UPDATE executions SET error_code = CASE
        WHEN status = 'CANCELLED' THEN 'cancelled'
        WHEN ${startsWith('Robot task could not be created')} THEN 'create_failed'
        WHEN ${startsWith('Robot task timed out')} THEN 'timeout'
        WHEN ${startsWith('Robot task failed: NO_EXECUTOR:')} THEN 'no_executor'
        WHEN ${startsWith('Robot task failed: EXECUTOR_LOST:')} THEN 'executor_lost'
        WHEN ${startsWith('Robot task failed')} AND ${NAMES_OFFLINE} THEN 'client_offline'
        WHEN ${startsWith('Robot task failed')} THEN 'robot_error'
        WHEN ${startsWith('Robot service unreachable while following the task')} THEN 'robot_unreachable'
        WHEN ${startsWith('Cancelled')} THEN 'cancelled'
        WHEN ${startsWith('The execution could not be queued')} THEN 'queue_unavailable'
        WHEN ${startsWith('Execution aborted after repeated internal errors')} THEN 'worker_gave_up'
        WHEN ${startsWith('Execution lost its job while RUNNING')} THEN 'lost'
        WHEN ${startsWith('Timed out on the legacy service')} THEN 'lost'
        WHEN ${startsWith('Imported while ')} THEN 'lost'
        WHEN ${NAMES_OFFLINE} THEN 'client_offline'
        ELSE 'unknown'
      END
      WHERE status IN ('FAILED', 'CANCELLED')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE executions DROP COLUMN error_code');
  }
}

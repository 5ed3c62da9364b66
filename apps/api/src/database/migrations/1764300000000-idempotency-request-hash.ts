import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An idempotency key is bound to the request it first came with: a retry with the same key
 * and request finds its execution, a different request under the same key is a conflict.
 * The workflow's version at start is kept so a run reports the release it ran.
 */
export class IdempotencyRequestHash1764300000000 implements MigrationInterface {
  name = 'IdempotencyRequestHash1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE executions
        ADD COLUMN idempotency_hash char(64) NULL AFTER idempotency_key,
        ADD COLUMN workflow_version varchar(20) NULL AFTER project_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE executions DROP COLUMN idempotency_hash, DROP COLUMN workflow_version`,
    );
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every start counts its user's PENDING/RUNNING runs (the active cap, fair share): this index
 * reads those rows only, not the user's whole history.
 */
export class ExecutionsUserStatusIndex1764610000000 implements MigrationInterface {
  name = 'ExecutionsUserStatusIndex1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX idx_executions_user_status ON executions (user_id, status)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idx_executions_user_status ON executions');
  }
}

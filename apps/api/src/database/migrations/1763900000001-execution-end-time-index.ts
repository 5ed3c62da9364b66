import { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention prunes ended executions by end_time in bounded batches. */
export class ExecutionEndTimeIndex1763900000001 implements MigrationInterface {
  name = 'ExecutionEndTimeIndex1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX idx_executions_end_time ON executions (end_time)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idx_executions_end_time ON executions');
  }
}

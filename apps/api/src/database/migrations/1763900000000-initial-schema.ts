import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workflows (
        project_id varchar(100) NOT NULL,
        user_id varchar(64) NOT NULL,
        name varchar(100) NOT NULL,
        english_name varchar(100) NULL,
        description varchar(500) NULL,
        version varchar(20) NOT NULL DEFAULT '1.0.0',
        status tinyint NOT NULL DEFAULT 1,
        parameters json NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (project_id),
        KEY idx_workflows_user_id (user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE executions (
        id char(36) NOT NULL,
        project_id varchar(100) NOT NULL,
        user_id varchar(64) NOT NULL,
        status varchar(16) NOT NULL,
        parameters json NULL,
        result json NULL,
        error text NULL,
        exec_position varchar(32) NOT NULL DEFAULT 'EXECUTOR',
        progress tinyint unsigned NOT NULL DEFAULT 0,
        robot_task_id varchar(128) NULL,
        \`trigger\` varchar(16) NOT NULL DEFAULT 'api',
        priority tinyint unsigned NOT NULL DEFAULT 5,
        reference varchar(128) NULL,
        timeout_ms int unsigned NULL,
        retry_of char(36) NULL,
        callback_url varchar(2048) NULL,
        idempotency_key varchar(255) NULL,
        request_id varchar(128) NULL,
        start_time datetime(3) NULL,
        end_time datetime(3) NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_executions_user_created (user_id, created_at),
        KEY idx_executions_project_id (project_id),
        KEY idx_executions_status (status),
        KEY idx_executions_user_reference (user_id, reference),
        UNIQUE KEY uq_executions_user_idempotency (user_id, idempotency_key)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE execution_logs (
        id bigint unsigned NOT NULL AUTO_INCREMENT,
        execution_id char(36) NOT NULL,
        seq int unsigned NOT NULL,
        level varchar(10) NOT NULL DEFAULT 'info',
        message text NOT NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_execution_logs_execution_seq (execution_id, seq)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE api_keys (
        id int unsigned NOT NULL AUTO_INCREMENT,
        user_id varchar(64) NOT NULL,
        name varchar(100) NOT NULL,
        prefix varchar(32) NOT NULL,
        hash char(64) NOT NULL,
        scopes varchar(64) NOT NULL DEFAULT 'read,execute,manage',
        expires_at datetime(3) NULL,
        is_active tinyint(1) NOT NULL DEFAULT 1,
        last_used_at datetime(3) NULL,
        revoked_at datetime(3) NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_api_keys_prefix (prefix),
        KEY idx_api_keys_user_id (user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE execution_logs');
    await q.query('DROP TABLE executions');
    await q.query('DROP TABLE workflows');
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** docs/webhooks.md: webhooks, their delivery log, per-user callback secrets, schedules. */
export class WebhooksAndSchedules1764100000000 implements MigrationInterface {
  name = 'WebhooksAndSchedules1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id char(36) NOT NULL,
        user_id varchar(64) NOT NULL,
        url varchar(2048) NOT NULL,
        events varchar(512) NOT NULL,
        description varchar(500) NULL,
        secret varchar(255) NOT NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_webhooks_user_created (user_id, created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE webhook_callback_secrets (
        user_id varchar(64) NOT NULL,
        secret varchar(255) NOT NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id char(36) NOT NULL,
        webhook_id char(36) NULL,
        user_id varchar(64) NOT NULL,
        event_id char(36) NOT NULL,
        event_type varchar(64) NOT NULL,
        execution_id char(36) NULL,
        url varchar(2048) NOT NULL,
        payload mediumtext NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts smallint unsigned NOT NULL DEFAULT 0,
        last_status_code smallint unsigned NULL,
        last_error varchar(500) NULL,
        next_attempt_at datetime(3) NULL,
        redelivery_of char(36) NULL,
        completed_at datetime(3) NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_webhook_deliveries_webhook_created (webhook_id, created_at),
        KEY idx_webhook_deliveries_user_created (user_id, created_at),
        KEY idx_webhook_deliveries_execution (execution_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE webhook_delivery_attempts (
        id bigint unsigned NOT NULL AUTO_INCREMENT,
        delivery_id char(36) NOT NULL,
        attempt smallint unsigned NOT NULL,
        status_code smallint unsigned NULL,
        error varchar(500) NULL,
        response_excerpt varchar(512) NULL,
        duration_ms int unsigned NOT NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_webhook_delivery_attempts_delivery (delivery_id, attempt)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE schedules (
        id char(36) NOT NULL,
        project_id varchar(100) NOT NULL,
        user_id varchar(64) NOT NULL,
        cron varchar(120) NOT NULL,
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        params json NULL,
        priority tinyint unsigned NOT NULL DEFAULT 5,
        enabled tinyint(1) NOT NULL DEFAULT 1,
        last_run_at datetime(3) NULL,
        last_execution_id char(36) NULL,
        last_error varchar(500) NULL,
        created_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY idx_schedules_project (project_id),
        KEY idx_schedules_user_created (user_id, created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE schedules');
    await q.query('DROP TABLE webhook_delivery_attempts');
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_callback_secrets');
    await q.query('DROP TABLE webhooks');
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identities compare byte for byte: `alice` and `ALICE` are two users, `P1` and `p1` two
 * workflows. A no-pad binary collation also keeps trailing spaces significant (utf8mb4_bin
 * pads): utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8.
 * user_id grows to 128 characters (the platform's ids can be that long).
 */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];
const FOLDED = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

/** [table, column, type before, type after, nullability] */
type Change = [table: string, column: string, before: string, after: string, nullable: boolean];

const CHANGES: readonly Change[] = [
  ['workflows', 'project_id', 'varchar(100)', 'varchar(100)', false],
  ['workflows', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['executions', 'id', 'char(36)', 'char(36)', false],
  ['executions', 'project_id', 'varchar(100)', 'varchar(100)', false],
  ['executions', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['executions', 'robot_task_id', 'varchar(128)', 'varchar(128)', true],
  ['executions', 'reference', 'varchar(128)', 'varchar(128)', true],
  ['executions', 'retry_of', 'char(36)', 'char(36)', true],
  ['executions', 'idempotency_key', 'varchar(255)', 'varchar(255)', true],
  ['executions', 'idempotency_hash', 'char(64)', 'char(64)', true],
  ['executions', 'request_id', 'varchar(128)', 'varchar(128)', true],
  ['execution_logs', 'execution_id', 'char(36)', 'char(36)', false],
  ['api_keys', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['api_keys', 'prefix', 'varchar(32)', 'varchar(32)', false],
  ['api_keys', 'hash', 'char(64)', 'char(64)', false],
  ['webhooks', 'id', 'char(36)', 'char(36)', false],
  ['webhooks', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['webhook_callback_secrets', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['webhook_deliveries', 'id', 'char(36)', 'char(36)', false],
  ['webhook_deliveries', 'webhook_id', 'char(36)', 'char(36)', true],
  ['webhook_deliveries', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['webhook_deliveries', 'event_id', 'char(36)', 'char(36)', false],
  ['webhook_deliveries', 'execution_id', 'char(36)', 'char(36)', true],
  ['webhook_deliveries', 'redelivery_of', 'char(36)', 'char(36)', true],
  ['webhook_delivery_attempts', 'delivery_id', 'char(36)', 'char(36)', false],
  ['schedules', 'id', 'char(36)', 'char(36)', false],
  ['schedules', 'project_id', 'varchar(100)', 'varchar(100)', false],
  ['schedules', 'user_id', 'varchar(64)', 'varchar(128)', false],
  ['schedules', 'last_execution_id', 'char(36)', 'char(36)', true],
];

function modify(changes: readonly Change[], pick: (c: Change) => string, collation: string) {
  const byTable = new Map<string, string[]>();
  for (const change of changes) {
    const [table, column, , , nullable] = change;
    const clause = `MODIFY \`${column}\` ${pick(change)} ${collation} ${nullable ? 'NULL' : 'NOT NULL'}`;
    byTable.set(table, [...(byTable.get(table) ?? []), clause]);
  }
  return [...byTable].map(([table, clauses]) => `ALTER TABLE \`${table}\` ${clauses.join(', ')}`);
}

export class ExactIdentities1764400000000 implements MigrationInterface {
  name = 'ExactIdentities1764400000000';

  async up(q: QueryRunner): Promise<void> {
    const known = (await q.query(
      `SELECT collation_name AS name FROM information_schema.collations WHERE collation_name IN (${BINARY_COLLATIONS.map(() => '?').join(', ')})`,
      BINARY_COLLATIONS,
    )) as Array<{ name: string }>;
    const collation = BINARY_COLLATIONS.find((c) => known.some((k) => k.name === c));
    const exact = `CHARACTER SET utf8mb4 COLLATE ${collation ?? 'utf8mb4_bin'}`;
    for (const sql of modify(CHANGES, (c) => c[3], exact)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    // Going back can fail on ids that only differ in case; that is the point of going forward.
    for (const sql of modify(CHANGES, (c) => c[2], FOLDED)) await q.query(sql);
  }
}

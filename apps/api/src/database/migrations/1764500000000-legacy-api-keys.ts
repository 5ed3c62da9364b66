import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys imported from the legacy service keep their bcrypt hash until their first use, which
 * replaces it with the HMAC every other key has (so bcrypt runs once per key at most).
 */
export class LegacyApiKeys1764500000000 implements MigrationInterface {
  name = 'LegacyApiKeys1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE api_keys ADD COLUMN legacy_hash varchar(100) NULL AFTER hash');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE api_keys DROP COLUMN legacy_hash');
  }
}

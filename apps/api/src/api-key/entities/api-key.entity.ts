import { CreatedAtColumn, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Only a recognisable prefix and an HMAC of the whole key are stored, never the key. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Index('idx_api_keys_user_id')
  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Index('uq_api_keys_prefix', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  prefix!: string;

  /** HMAC-SHA256 of the key; empty for an imported key not used yet. */
  @Column({ type: 'char', length: 64 })
  hash!: string;

  /** bcrypt hash of a key imported from the legacy service, until its first use. */
  @Column({ type: 'varchar', length: 100, nullable: true, select: false })
  legacy_hash!: string | null;

  @Column({ type: 'varchar', length: 64, default: 'read,execute,manage' })
  scopes!: string;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  expires_at!: Date | null;

  @Column({ type: 'boolean', default: true })
  is_active!: boolean;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  last_used_at!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  revoked_at!: Date | null;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

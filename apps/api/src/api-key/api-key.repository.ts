import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsSelect, In, IsNull, Not, Repository } from 'typeorm';
import { Page, PageQueryDto, pageWindow } from '@app/common';
import { ApiKeyEntity } from './entities/api-key.entity';

export type NewApiKeyRow = Pick<
  ApiKeyEntity,
  'user_id' | 'name' | 'prefix' | 'hash' | 'scopes' | 'expires_at'
>;

/** What verifying a key needs of its row (found by its prefix). */
export type KeyForVerification = Pick<
  ApiKeyEntity,
  'id' | 'user_id' | 'hash' | 'legacy_hash' | 'scopes' | 'expires_at'
>;

const VERIFICATION_COLUMNS: FindOptionsSelect<ApiKeyEntity> = {
  id: true,
  user_id: true,
  hash: true,
  legacy_hash: true,
  scopes: true,
  expires_at: true,
};

/** The `api_keys` table: the only class that reads or writes it. */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  /** Inserts an active key; answers the stored row. */
  async insert(row: NewApiKeyRow): Promise<ApiKeyEntity> {
    const inserted = await this.keys.insert({ ...row, is_active: true });
    return this.keys.findOneByOrFail({ id: Number(inserted.identifiers[0]?.id) });
  }

  async pageActive(userId: string, query: PageQueryDto): Promise<Page<ApiKeyEntity>> {
    const [records, total] = await this.keys.findAndCount({
      where: { user_id: userId, is_active: true },
      order: { created_at: 'DESC', id: 'DESC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  findActiveOwned(userId: string, id: number): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id, user_id: userId, is_active: true });
  }

  activeOf(userId: string): Promise<ApiKeyEntity[]> {
    return this.keys.findBy({ user_id: userId, is_active: true });
  }

  async deactivate(ids: number[], at = new Date()): Promise<void> {
    if (ids.length) await this.keys.update({ id: In(ids) }, { is_active: false, revoked_at: at });
  }

  /** The hot path of every authenticated request (behind the verifier's cache). */
  findActiveByPrefix(prefix: string): Promise<KeyForVerification | null> {
    return this.keys.findOne({ where: { prefix, is_active: true }, select: VERIFICATION_COLUMNS });
  }

  /** Behind the verifier's cache too: stream tokens name their key by id. */
  findActiveById(id: number): Promise<KeyForVerification | null> {
    return this.keys.findOne({ where: { id, is_active: true }, select: VERIFICATION_COLUMNS });
  }

  findActiveHashes(id: number): Promise<Pick<ApiKeyEntity, 'id' | 'hash' | 'legacy_hash'> | null> {
    return this.keys.findOne({
      where: { id, is_active: true },
      select: { id: true, hash: true, legacy_hash: true },
    });
  }

  /**
   * Replaces an imported key's bcrypt hash with its HMAC; only the process that still finds
   * the bcrypt hash writes.
   */
  async upgradeToHmac(id: number, hmac: string): Promise<void> {
    await this.keys.update({ id, legacy_hash: Not(IsNull()) }, { hash: hmac, legacy_hash: null });
  }

  /** Records a use; updated_at is kept: a key being used is not the key being changed. */
  async touch(id: number, at: Date): Promise<void> {
    await this.keys.query(
      'UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, ?), ?), updated_at = updated_at WHERE id = ?',
      [at, at, id],
    );
  }
}

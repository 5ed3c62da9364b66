import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import {
  AppConfig,
  AppException,
  Page,
  PageQueryDto,
  SCOPES,
  Scope,
  pageWindow,
} from '@app/common';
import { ApiKeyVerifierService } from './api-key-verifier.service';
import { generateApiKey, hashApiKey } from './api-key.format';
import { ApiKeyEntity } from './entities/api-key.entity';

export interface NewApiKey {
  name: string;
  scopes?: Scope[];
  expires_at?: Date;
}

@Injectable()
export class ApiKeyService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly verifier: ApiKeyVerifierService,
    private readonly config: AppConfig,
  ) {}

  /** Creates a key; the clear key is returned once and never stored. */
  async create(userId: string, input: NewApiKey): Promise<{ entity: ApiKeyEntity; key: string }> {
    const { key, prefix } = generateApiKey();
    const scopes = SCOPES.filter((s) => (input.scopes ?? SCOPES).includes(s));
    const inserted = await this.keys.insert({
      user_id: userId,
      name: input.name,
      prefix,
      hash: hashApiKey(key, this.config.auth.apiKeyPepper),
      scopes: scopes.join(','),
      expires_at: input.expires_at ?? null,
      is_active: true,
    });
    const id = Number(inserted.identifiers[0]?.id);
    const entity = await this.keys.findOneByOrFail({ id });
    return { entity, key };
  }

  async list(userId: string, query: PageQueryDto): Promise<Page<ApiKeyEntity>> {
    const [records, total] = await this.keys.findAndCount({
      where: { user_id: userId, is_active: true },
      order: { created_at: 'DESC', id: 'DESC' },
      ...pageWindow(query),
    });
    return { total, records };
  }

  /** Soft delete; every process stops accepting the key as soon as it hears of it. */
  async revoke(userId: string, id: number): Promise<void> {
    const key = await this.keys.findOneBy({ id, user_id: userId, is_active: true });
    if (!key) throw new AppException('API_KEY_NOT_FOUND', `API key ${id} not found`);
    await this.deactivate([key], userId);
  }

  /** Revokes every active key of a user (admin). Returns how many were revoked. */
  async revokeAllForUser(userId: string): Promise<number> {
    const keys = await this.keys.findBy({ user_id: userId, is_active: true });
    await this.deactivate(keys, userId);
    return keys.length;
  }

  private async deactivate(keys: ApiKeyEntity[], userId: string): Promise<void> {
    if (keys.length === 0) return;
    const ids = keys.map((k) => k.id);
    await this.keys.update({ id: In(ids) }, { is_active: false, revoked_at: new Date() });
    await this.verifier.broadcastRevocation({
      key_ids: ids,
      prefixes: keys.map((k) => k.prefix),
      user_id: userId,
    });
  }
}

import { Injectable } from '@nestjs/common';
import { AppConfig, AppException, Page, PageQueryDto, SCOPES, Scope } from '@app/common';
import { ApiKeyRepository } from './api-key.repository';
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
    private readonly keys: ApiKeyRepository,
    private readonly verifier: ApiKeyVerifierService,
    private readonly config: AppConfig,
  ) {}

  /** Creates a key; the clear key is returned once and never stored. */
  async create(userId: string, input: NewApiKey): Promise<{ entity: ApiKeyEntity; key: string }> {
    const { key, prefix } = generateApiKey();
    const scopes = SCOPES.filter((s) => (input.scopes ?? SCOPES).includes(s));
    const entity = await this.keys.insert({
      user_id: userId,
      name: input.name,
      prefix,
      hash: hashApiKey(key, this.config.auth.apiKeyPepper),
      scopes: scopes.join(','),
      expires_at: input.expires_at ?? null,
    });
    return { entity, key };
  }

  list(userId: string, query: PageQueryDto): Promise<Page<ApiKeyEntity>> {
    return this.keys.pageActive(userId, query);
  }

  /** Soft delete; every process stops accepting the key as soon as it hears of it. */
  async revoke(userId: string, id: number): Promise<void> {
    const key = await this.keys.findActiveOwned(userId, id);
    if (!key) throw new AppException('API_KEY_NOT_FOUND', `API key ${id} not found`);
    await this.deactivate([key], userId);
  }

  /** Revokes every active key of a user (admin). Returns how many were revoked. */
  async revokeAllForUser(userId: string): Promise<number> {
    const keys = await this.keys.activeOf(userId);
    await this.deactivate(keys, userId);
    return keys.length;
  }

  private async deactivate(keys: ApiKeyEntity[], userId: string): Promise<void> {
    if (keys.length === 0) return;
    const ids = keys.map((k) => k.id);
    await this.keys.deactivate(ids);
    await this.verifier.broadcastRevocation({
      key_ids: ids,
      prefixes: keys.map((k) => k.prefix),
      user_id: userId,
    });
  }
}

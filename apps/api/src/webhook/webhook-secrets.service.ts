import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '@app/common';
import { WebhookCallbackSecretEntity } from './entities/webhook-callback-secret.entity';
import { SecretBox } from './webhook-secret-box';
import { generateSigningSecret } from './webhook-signature';

/** Signing secrets: sealed for storage, opened to sign; the per-user callback secret. */
@Injectable()
export class WebhookSecrets {
  private readonly box: SecretBox;

  constructor(
    @InjectRepository(WebhookCallbackSecretEntity)
    private readonly callbackSecrets: Repository<WebhookCallbackSecretEntity>,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.auth.apiKeyPepper);
  }

  /** A new secret and its sealed form for the database. */
  create(): { secret: string; sealed: string } {
    const secret = generateSigningSecret();
    return { secret, sealed: this.box.seal(secret) };
  }

  open(sealed: string): string {
    return this.box.open(sealed);
  }

  /**
   * The user's callback secret, created on first use. Concurrent first uses agree: the row is
   * inserted with INSERT IGNORE and then read back.
   */
  async callbackSecret(userId: string): Promise<string> {
    const existing = await this.callbackSecrets.findOneBy({ user_id: userId });
    if (existing) return this.open(existing.secret);
    await this.callbackSecrets
      .createQueryBuilder()
      .insert()
      .into(WebhookCallbackSecretEntity)
      .values({ user_id: userId, secret: this.create().sealed })
      .orIgnore()
      .execute();
    const row = await this.callbackSecrets.findOneByOrFail({ user_id: userId });
    return this.open(row.secret);
  }
}

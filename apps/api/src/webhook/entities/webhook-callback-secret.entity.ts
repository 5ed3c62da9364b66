import { CreatedAtColumn } from '@app/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The secret that signs a user's per-run `callback_url` deliveries (encrypted at rest). */
@Entity('webhook_callback_secrets')
export class WebhookCallbackSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'varchar', length: 255 })
  secret!: string;

  @CreatedAtColumn()
  created_at!: Date;
}

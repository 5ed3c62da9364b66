import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The secret that signs a user's per-run `callback_url` deliveries (encrypted at rest). */
@Entity('webhook_callback_secrets')
export class WebhookCallbackSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  user_id!: string;

  @Column({ type: 'varchar', length: 255 })
  secret!: string;

  @CreateDateColumn({ type: 'datetime', precision: 3 })
  created_at!: Date;
}

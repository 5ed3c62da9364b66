import { CreatedAtColumn, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A user's endpoint that receives the execution events it subscribed to. */
@Entity('webhooks')
@Index('idx_webhooks_user_created', ['user_id', 'created_at'])
export class WebhookEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Comma-separated event types. */
  @Column({ type: 'varchar', length: 512 })
  events!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** The signing secret, encrypted at rest (see webhook-secret-box.ts); never logged. */
  @Column({ type: 'varchar', length: 255, select: false })
  secret!: string;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

export const webhookEvents = (webhook: Pick<WebhookEntity, 'events'>): string[] =>
  webhook.events.split(',').filter(Boolean);

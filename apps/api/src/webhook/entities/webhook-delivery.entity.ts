import { CreatedAtColumn, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum DeliveryStatus {
  Pending = 'pending',
  Succeeded = 'succeeded',
  Failed = 'failed',
}

/**
 * One event sent to one target (a webhook, or a run's callback_url when webhook_id is null),
 * as a series of attempts. A redelivery is a new row with the same event id and body.
 */
@Entity('webhook_deliveries')
@Index('idx_webhook_deliveries_webhook_created', ['webhook_id', 'created_at'])
@Index('idx_webhook_deliveries_user_created', ['user_id', 'created_at'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'char', length: 36, nullable: true })
  webhook_id!: string | null;

  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'char', length: 36 })
  event_id!: string;

  @Column({ type: 'varchar', length: 64 })
  event_type!: string;

  @Index('idx_webhook_deliveries_execution')
  @Column({ type: 'char', length: 36, nullable: true })
  execution_id!: string | null;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** The exact JSON body sent on every attempt (the signature covers these bytes). */
  @Column({ type: 'mediumtext', select: false })
  payload!: string;

  @Column({ type: 'varchar', length: 16, default: DeliveryStatus.Pending })
  status!: DeliveryStatus;

  @Column({ type: 'smallint', unsigned: true, default: 0 })
  attempts!: number;

  @Column({ type: 'smallint', unsigned: true, nullable: true })
  last_status_code!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  last_error!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  next_attempt_at!: Date | null;

  @Column({ type: 'char', length: 36, nullable: true })
  redelivery_of!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  completed_at!: Date | null;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

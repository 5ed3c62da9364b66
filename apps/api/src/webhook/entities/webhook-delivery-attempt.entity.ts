import { CreatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One HTTP attempt of a delivery: what the target answered, or why it could not. */
@Entity('webhook_delivery_attempts')
@Index('idx_webhook_delivery_attempts_delivery', ['delivery_id', 'attempt'])
export class WebhookDeliveryAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ type: 'char', length: 36 })
  delivery_id!: string;

  @Column({ type: 'smallint', unsigned: true })
  attempt!: number;

  @Column({ type: 'smallint', unsigned: true, nullable: true })
  status_code!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  /** The first bytes of the target's answer, to help its owner debug. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  response_excerpt!: string | null;

  @Column({ type: 'int', unsigned: true })
  duration_ms!: number;

  @CreatedAtColumn()
  created_at!: Date;
}

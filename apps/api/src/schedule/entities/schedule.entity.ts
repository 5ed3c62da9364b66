import { CreatedAtColumn, JsonObject, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A calendar that starts a workflow without a caller. This table is the source of truth; the
 * BullMQ job scheduler of the same id only produces the ticks and is re-synced from here.
 */
@Entity('schedules')
@Index('idx_schedules_project', ['project_id'])
@Index('idx_schedules_user_created', ['user_id', 'created_at'])
export class ScheduleEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  project_id!: string;

  /** The workflow's owner; runs are started as this user. */
  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'varchar', length: 120 })
  cron!: string;

  @Column({ type: 'varchar', length: 64, default: 'UTC' })
  timezone!: string;

  @Column({ type: 'json', nullable: true })
  params!: JsonObject | null;

  @Column({ type: 'tinyint', unsigned: true, default: 5 })
  priority!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  last_run_at!: Date | null;

  @Column({ type: 'char', length: 36, nullable: true })
  last_execution_id!: string | null;

  /** Why the last tick did not start a run (cleared by the next one that does). */
  @Column({ type: 'varchar', length: 500, nullable: true })
  last_error!: string | null;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

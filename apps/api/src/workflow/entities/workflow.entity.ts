import { CreatedAtColumn, JsonObject, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum WorkflowStatus {
  Inactive = 0,
  Active = 1,
}

@Entity('workflows')
export class WorkflowEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  project_id!: string;

  @Index('idx_workflows_user_id')
  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  english_name!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 20, default: '1.0.0' })
  version!: string;

  @Column({ type: 'tinyint', default: WorkflowStatus.Active })
  status!: WorkflowStatus;

  /** A JSON Schema object; workflows registered by the platform's designer may hold its list of parameter descriptors instead. */
  @Column({ type: 'json', nullable: true })
  parameters!: JsonObject | JsonObject[] | null;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

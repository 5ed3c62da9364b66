import { CreatedAtColumn, JsonObject, UpdatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExecutionErrorCode } from '../execution.constants';

export enum ExecutionStatus {
  Pending = 'PENDING',
  Running = 'RUNNING',
  Completed = 'COMPLETED',
  Failed = 'FAILED',
  Cancelled = 'CANCELLED',
}

export const ACTIVE_STATUSES = [ExecutionStatus.Pending, ExecutionStatus.Running] as const;
export const FINAL_STATUSES = [
  ExecutionStatus.Completed,
  ExecutionStatus.Failed,
  ExecutionStatus.Cancelled,
] as const;

export const isFinal = (status: ExecutionStatus): boolean =>
  (FINAL_STATUSES as readonly ExecutionStatus[]).includes(status);

export const EXECUTION_TRIGGERS = ['api', 'mcp', 'schedule', 'retry'] as const;
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

@Entity('executions')
@Index('idx_executions_user_created', ['user_id', 'created_at'])
@Index('uq_executions_user_idempotency', ['user_id', 'idempotency_key'], { unique: true })
@Index('idx_executions_user_reference', ['user_id', 'reference'])
@Index('idx_executions_user_status', ['user_id', 'status'])
export class ExecutionEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Index('idx_executions_project_id')
  @Column({ type: 'varchar', length: 100 })
  project_id!: string;

  /** The workflow's version when the run started. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  workflow_version!: string | null;

  @Column({ type: 'varchar', length: 128 })
  user_id!: string;

  @Index('idx_executions_status')
  @Column({ type: 'varchar', length: 16 })
  status!: ExecutionStatus;

  @Column({ type: 'json', nullable: true })
  parameters!: JsonObject | null;

  @Column({ type: 'json', nullable: true })
  result!: JsonObject | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Why the run failed or was cancelled, as a code; null while it runs and once it completed. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  error_code!: ExecutionErrorCode | null;

  @Column({ type: 'varchar', length: 32, default: 'EXECUTOR' })
  exec_position!: string;

  @Column({ type: 'tinyint', unsigned: true, default: 0 })
  progress!: number;

  @Column({ type: 'varchar', length: 128, nullable: true })
  robot_task_id!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'api' })
  trigger!: ExecutionTrigger;

  @Column({ type: 'tinyint', unsigned: true, default: 5 })
  priority!: number;

  @Column({ type: 'varchar', length: 128, nullable: true })
  reference!: string | null;

  @Column({ type: 'int', unsigned: true, nullable: true })
  timeout_ms!: number | null;

  @Column({ type: 'char', length: 36, nullable: true })
  retry_of!: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  callback_url!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  idempotency_key!: string | null;

  /** SHA-256 of the start request the idempotency key was first used with. */
  @Column({ type: 'char', length: 64, nullable: true })
  idempotency_hash!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  request_id!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  start_time!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  end_time!: Date | null;

  @CreatedAtColumn()
  created_at!: Date;

  @UpdatedAtColumn()
  updated_at!: Date;
}

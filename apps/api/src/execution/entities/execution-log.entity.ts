import { CreatedAtColumn } from '@app/common';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A robot's log line for one execution; at most EXECUTION_LOG_LIMIT lines are kept per run. */
@Entity('execution_logs')
@Index('idx_execution_logs_execution_seq', ['execution_id', 'seq'])
export class ExecutionLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ type: 'char', length: 36 })
  execution_id!: string;

  @Column({ type: 'int', unsigned: true })
  seq!: number;

  @Column({ type: 'varchar', length: 10, default: 'info' })
  level!: string;

  @Column({ type: 'text' })
  message!: string;

  @CreatedAtColumn()
  created_at!: Date;
}

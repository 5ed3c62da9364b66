import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JsonObject } from '@app/common';
import { ExecutionLogEntity } from '../entities/execution-log.entity';
import { ExecutionEntity, ExecutionStatus } from '../entities/execution.entity';
import { EXECUTION_ERROR_CODES, ExecutionErrorCode } from '../execution.constants';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class ExecutionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() project_id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty({ enum: ExecutionStatus }) status!: ExecutionStatus;
  @ApiPropertyOptional({ type: Object, nullable: true }) parameters!: JsonObject | null;
  @ApiPropertyOptional({ type: Object, nullable: true, description: 'Outputs under result.data' })
  result!: JsonObject | null;
  @ApiPropertyOptional({ type: String, nullable: true }) error!: string | null;
  @ApiPropertyOptional({
    enum: EXECUTION_ERROR_CODES,
    nullable: true,
    description: 'Why the run failed or was cancelled; null otherwise',
  })
  error_code!: ExecutionErrorCode | null;
  @ApiProperty({ example: 'EXECUTOR' }) exec_position!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) robot_task_id!: string | null;
  @ApiProperty({ enum: ['api', 'mcp', 'schedule', 'retry'] }) trigger!: string;
  @ApiProperty({ minimum: 1, maximum: 10 }) priority!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) reference!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) timeout_ms!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) retry_of!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) callback_url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) start_time!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) end_time!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;

  static from(e: ExecutionEntity): ExecutionDto {
    return {
      id: e.id,
      project_id: e.project_id,
      user_id: e.user_id,
      status: e.status,
      parameters: e.parameters,
      result: e.result,
      error: e.error,
      error_code: e.error_code ?? null,
      exec_position: e.exec_position,
      progress: Number(e.progress),
      robot_task_id: e.robot_task_id,
      trigger: e.trigger,
      priority: Number(e.priority),
      reference: e.reference,
      timeout_ms: e.timeout_ms === null ? null : Number(e.timeout_ms),
      retry_of: e.retry_of,
      callback_url: e.callback_url,
      start_time: iso(e.start_time),
      end_time: iso(e.end_time),
      created_at: e.created_at.toISOString(),
      updated_at: e.updated_at.toISOString(),
    };
  }
}

export class ExecutionEnvelopeDto {
  @ApiProperty({ type: ExecutionDto }) execution!: ExecutionDto;
}

export class ExecutionIdDto {
  @ApiProperty({ format: 'uuid' }) executionId!: string;
}

export class ExecutionPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ExecutionDto] }) records!: ExecutionDto[];
}

export class ExecutionLogDto {
  @ApiProperty() seq!: number;
  @ApiProperty() level!: string;
  @ApiProperty() message!: string;
  @ApiProperty() created_at!: string;

  static from(e: ExecutionLogEntity): ExecutionLogDto {
    return {
      seq: e.seq,
      level: e.level,
      message: e.message,
      created_at: e.created_at.toISOString(),
    };
  }
}

export class ExecutionLogPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ExecutionLogDto] }) records!: ExecutionLogDto[];
}

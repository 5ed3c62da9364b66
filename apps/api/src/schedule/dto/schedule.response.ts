import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JsonObject } from '@app/common';
import { nextRuns } from '../cron';
import { ScheduleEntity } from '../entities/schedule.entity';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class ScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() project_id!: string;
  @ApiProperty({ example: '0 9 * * 1-5' }) cron!: string;
  @ApiProperty({ example: 'UTC' }) timezone!: string;
  @ApiPropertyOptional({ type: Object, nullable: true }) params!: JsonObject | null;
  @ApiProperty({ minimum: 1, maximum: 10 }) priority!: number;
  @ApiProperty() enabled!: boolean;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Next fire time while enabled (a run starts only if the workflow is active)',
  })
  next_run_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) last_run_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) last_execution_id!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Why the last tick did not start a run',
  })
  last_error!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;

  static from(entity: ScheduleEntity): ScheduleDto {
    const enabled = Boolean(entity.enabled);
    return {
      id: entity.id,
      project_id: entity.project_id,
      cron: entity.cron,
      timezone: entity.timezone,
      params: entity.params,
      priority: Number(entity.priority),
      enabled,
      next_run_at: enabled ? iso(nextRuns(entity.cron, entity.timezone, 1)[0] ?? null) : null,
      last_run_at: iso(entity.last_run_at),
      last_execution_id: entity.last_execution_id,
      last_error: entity.last_error,
      created_at: entity.created_at.toISOString(),
      updated_at: entity.updated_at.toISOString(),
    };
  }
}

export class ScheduleEnvelopeDto {
  @ApiProperty({ type: ScheduleDto }) schedule!: ScheduleDto;
}

export class SchedulePageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ScheduleDto] }) records!: ScheduleDto[];
}

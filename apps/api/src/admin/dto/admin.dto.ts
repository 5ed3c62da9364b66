import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { USER_ID, USER_ID_RULE } from '@app/common';
import { ListExecutionsQueryDto } from '../../execution';

export const CLEANABLE_STATES = ['completed', 'failed'] as const;
export type CleanableState = (typeof CLEANABLE_STATES)[number];

export class AdminListExecutionsQueryDto extends ListExecutionsQueryDto {
  @ApiPropertyOptional({ description: 'Only this user’s executions' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID, { message: `user_id must be ${USER_ID_RULE}` })
  user_id?: string;
}

export class CleanQueueDto {
  @ApiProperty({ enum: CLEANABLE_STATES, description: 'Finished jobs only' })
  @IsIn(CLEANABLE_STATES, { message: `state must be one of ${CLEANABLE_STATES.join(', ')}` })
  state!: CleanableState;

  @ApiProperty({ minimum: 0, description: 'Remove jobs that finished at least this long ago' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(365 * 24 * 3600 * 1000)
  older_than_ms!: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100_000, default: 10_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  limit?: number;
}

export class QueueCountsDto {
  @ApiProperty() waiting!: number;
  @ApiProperty() prioritized!: number;
  @ApiProperty() active!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() waiting_children!: number;
}

export class QueueStatusDto {
  @ApiProperty({ example: 'executions' }) queue!: string;
  @ApiProperty({ description: 'Paused globally: no worker takes new jobs' }) paused!: boolean;
  @ApiProperty({ type: QueueCountsDto }) counts!: QueueCountsDto;
}

export class RetryFailedDto {
  @ApiProperty({ description: 'Failed jobs moved back to waiting' }) retried!: number;
}

export class CleanResultDto {
  @ApiProperty({ enum: CLEANABLE_STATES }) state!: CleanableState;
  @ApiProperty() removed!: number;
  @ApiProperty({ type: [String], description: 'Ids of removed jobs (= execution ids), ≤1000' })
  job_ids!: string[];
}

export class ReconcileItemDto {
  @ApiProperty() execution_id!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'The job state found: missing, completed or failed' })
  job_state!: string;
  @ApiProperty({ enum: ['requeued', 'resumed', 'failed', 'error'] }) action!: string;
  @ApiProperty() detail!: string;
}

export class ReconcileReportDto {
  @ApiProperty() checked!: number;
  @ApiProperty({ description: 'With a live job, left alone' }) live!: number;
  @ApiProperty({ description: 'PENDING, queued again' }) requeued!: number;
  @ApiProperty({ description: 'RUNNING, queued again to follow the same robot task' })
  resumed!: number;
  @ApiProperty({ description: 'Could not be resumed, ended as FAILED' }) failed!: number;
  @ApiProperty() errors!: number;
  @ApiProperty({ type: [ReconcileItemDto] }) items!: ReconcileItemDto[];
}

export class RevokedKeysDto {
  @ApiProperty() user_id!: string;
  @ApiProperty() revoked!: number;
}

export class PruneReportDto {
  @ApiProperty({ description: 'Ended before this instant' }) cutoff!: string;
  @ApiProperty() executions!: number;
  @ApiProperty() logs!: number;
  @ApiProperty() batches!: number;
}

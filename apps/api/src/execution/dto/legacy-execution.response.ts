import { ApiProperty, OmitType } from '@nestjs/swagger';
import { ExecutionEntity, ExecutionStatus } from '../entities/execution.entity';
import { ExecutionDto } from './execution.response';

const LEGACY_STATUSES = [
  ExecutionStatus.Pending,
  ExecutionStatus.Completed,
  ExecutionStatus.Failed,
] as const;

/**
 * An execution as the platform's existing clients read it: only PENDING (waiting or
 * running), COMPLETED and FAILED exist there. The workflow-engine plugin aborts on any other
 * status, so RUNNING reads PENDING and a cancelled run reads FAILED with an error saying so.
 * Their shape is frozen: fields added on /v1 (`error_code`) are left out.
 */
export class LegacyExecutionDto extends OmitType(ExecutionDto, ['error_code'] as const) {
  static from(e: ExecutionEntity): LegacyExecutionDto {
    const { error_code, ...dto } = ExecutionDto.from(e);
    if (e.status === ExecutionStatus.Running) return { ...dto, status: ExecutionStatus.Pending };
    if (e.status === ExecutionStatus.Cancelled) {
      return {
        ...dto,
        status: ExecutionStatus.Failed,
        error:
          e.error && !/^cancel/i.test(e.error) ? `cancelled: ${e.error}` : 'cancelled by request',
      };
    }
    return dto;
  }
}

const STATUS_NOTE = `status is one of ${LEGACY_STATUSES.join(', ')}`;

export class LegacyExecutionEnvelopeDto {
  @ApiProperty({ type: LegacyExecutionDto, description: STATUS_NOTE })
  execution!: LegacyExecutionDto;
}

/** `GET /executions/get`: the legacy page shape. */
export class LegacyExecutionPageDto {
  @ApiProperty({ type: [LegacyExecutionDto], description: STATUS_NOTE })
  executions!: LegacyExecutionDto[];
  @ApiProperty() total!: number;
  @ApiProperty() pageNo!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total_pages!: number;
}

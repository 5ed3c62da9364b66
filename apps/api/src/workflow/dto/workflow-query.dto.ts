import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { LenientInput, numberToString, PageQueryDto } from '@app/common';
import { WorkflowStatus } from '../entities/workflow.entity';

export class ListWorkflowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: [0, 1] })
  @IsOptional()
  @Type(() => Number)
  @IsIn([WorkflowStatus.Active, WorkflowStatus.Inactive], { message: 'status must be 1 or 0' })
  status?: WorkflowStatus;
}

/**
 * `GET /workflows/get` as the platform's clients call it: a list, or one workflow when
 * `project_id` is given; unknown parameters (cache-busters, `sortBy`, …) ignored; up to 100 a
 * page by default.
 */
@LenientInput()
export class LegacyGetWorkflowsQueryDto extends ListWorkflowsQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value[0] : value))
  @Transform(numberToString)
  @IsString()
  @Length(1, 100)
  project_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  override pageSize: number = 100;
}

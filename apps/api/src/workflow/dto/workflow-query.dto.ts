import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '@app/common';
import { WorkflowStatus } from '../entities/workflow.entity';

export class ListWorkflowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: [0, 1] })
  @IsOptional()
  @Type(() => Number)
  @IsIn([WorkflowStatus.Active, WorkflowStatus.Inactive], { message: 'status must be 1 or 0' })
  status?: WorkflowStatus;
}

/** `GET /workflows/get`: a list, or one workflow when project_id is given (docs/legacy.md). */
export class LegacyGetWorkflowsQueryDto extends ListWorkflowsQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value[0] : value))
  @IsString()
  @Length(1, 100)
  project_id?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { LenientInput, PageQueryDto } from '@app/common';
import { ExecutionStatus } from '../entities/execution.entity';

export class ListExecutionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  project_id?: string;

  @ApiPropertyOptional({ enum: ExecutionStatus })
  @IsOptional()
  @IsEnum(ExecutionStatus, {
    message: `status must be one of ${Object.values(ExecutionStatus).join(', ')}`,
  })
  status?: ExecutionStatus;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  reference?: string;
}

/** `GET /executions/get`: legacy paging (10 a page by default), unknown parameters ignored. */
@LenientInput()
export class LegacyListExecutionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  override pageSize: number = 10;
}

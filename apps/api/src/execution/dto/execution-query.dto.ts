import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '@app/common';
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

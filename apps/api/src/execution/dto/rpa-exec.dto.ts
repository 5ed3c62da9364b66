import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { StartExecutionDto } from './start-execution.dto';

/** Body of `POST /rpa/v1/exec` (docs/robot-service.md). */
export class RpaExecDto extends StartExecutionDto {
  @ApiPropertyOptional({
    description: "The engine's session id (string or number), echoed back",
    type: String,
    example: 'sid-42',
  })
  @IsOptional()
  @ValidateIf((_, value) => typeof value !== 'number' || !Number.isFinite(value))
  @IsString({ message: 'sid must be a string or a number' })
  @MaxLength(128)
  sid?: string | number;
}

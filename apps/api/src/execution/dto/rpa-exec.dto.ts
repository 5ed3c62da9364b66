import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { LenientInput } from '@app/common';
import { LegacyStartExecutionDto } from './legacy-start-execution.dto';

/**
 * Body of `POST /rpa/v1/exec`, as the platform's workflow-engine plugin sends it (its own
 * request model, forwarded): unknown fields ignored, `null` or `''` for what it leaves out.
 */
@LenientInput()
export class RpaExecDto extends LegacyStartExecutionDto {
  @ApiPropertyOptional({
    description: "The engine's session id (string or number), echoed back; generated when absent",
    type: String,
    example: 'sid-42',
  })
  @IsOptional()
  @ValidateIf((_, value) => typeof value !== 'number' || !Number.isFinite(value))
  @IsString({ message: 'sid must be a string or a number' })
  @MaxLength(128)
  sid?: string | number | null;
}

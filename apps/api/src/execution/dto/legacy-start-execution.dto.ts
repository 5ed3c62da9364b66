import { createHash } from 'node:crypto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Equals,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { LenientInput, numberToString } from '@app/common';
import { RunOptionsDto } from './start-execution.dto';
import { StartExecutionInput, isIdempotencyKey } from '../start-request';

/**
 * Body of the legacy start routes, as the platform's clients send it: unknown fields are
 * ignored and `''` means "not given"; what would be wrong to run is still refused.
 */
@LenientInput()
export class LegacyStartExecutionDto extends RunOptionsDto {
  @ApiProperty({ example: '1001', description: 'Workflow to run; numbers are accepted' })
  @Transform(numberToString)
  @IsString()
  @Length(1, 100)
  project_id!: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 200,
    example: 'invoice-2026-10-attempt',
    description: 'Repeats answer the first run',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotency_key?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 86400,
    example: 600,
    description: "This run's limit, seconds",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  execution_timeout?: number | null;

  @ApiPropertyOptional({
    type: String,
    example: '1.0.0',
    description: 'Workflow version (recorded by the platform)',
  })
  @IsOptional()
  @Transform(numberToString)
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(20)
  version?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: '{"enabled":false}',
    description: 'Recording settings for the executor',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(10_000)
  recording_config?: string | null;

  @ApiPropertyOptional({ type: String, example: 'rev-1', description: 'Accepted and ignored' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(100)
  profile_revision?: string | null;

  @ApiPropertyOptional({ type: String, example: 'desktop', description: 'Accepted and ignored' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(64)
  capability_class?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: null,
    description: 'Must be null: running on behalf of another account is refused',
  })
  @IsOptional()
  @Equals(null, { message: 'phone_number is not supported: runs start for the caller only' })
  phone_number?: null;
}

/**
 * The run options a legacy body asks for. `execution_timeout` is capped at the service's own
 * robot limit (a legacy client asking for hours gets the longest run this service allows);
 * a body idempotency key that is not printable ASCII is used through its SHA-256.
 */
export function legacyRunOptions(
  dto: LegacyStartExecutionDto,
  maxTimeoutMs: number,
): Pick<
  StartExecutionInput,
  | 'projectId'
  | 'params'
  | 'execPosition'
  | 'priority'
  | 'reference'
  | 'timeoutMs'
  | 'callbackUrl'
  | 'idempotencyKey'
> {
  const key = dto.idempotency_key ?? undefined;
  return {
    projectId: dto.project_id,
    params: dto.params,
    execPosition: dto.exec_position ?? undefined,
    priority: dto.priority,
    reference: dto.reference,
    callbackUrl: dto.callback_url,
    timeoutMs:
      dto.timeout_ms ??
      (dto.execution_timeout == null
        ? undefined
        : Math.min(dto.execution_timeout * 1000, maxTimeoutMs)),
    idempotencyKey:
      key === undefined
        ? undefined
        : isIdempotencyKey(key)
          ? key
          : `sha256:${createHash('sha256').update(key).digest('hex')}`,
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import type { RunOptions } from '../start-request';
import { JsonObject, numberToString, parseJsonObject } from '@app/common';

/** The run options every start route accepts (docs/api.md, docs/run-control.md). */
export class RunOptionsDto {
  @ApiPropertyOptional({ description: 'Inputs of the workflow', example: { month: '2026-10' } })
  @IsOptional()
  @Transform(parseJsonObject)
  @ValidateIf((_, value) => value !== null)
  @IsObject({ message: 'params must be an object (or a JSON string of one)' })
  params?: JsonObject | null;

  @ApiPropertyOptional({ default: 'EXECUTOR', maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  exec_position?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 5,
    description: '1 highest, 10 lowest; 1-4 (above the default) need the manage scope',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;

  @ApiPropertyOptional({
    maxLength: 128,
    description: "Caller's correlation id, filterable in lists",
    example: 'invoice-2026-10',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  reference?: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: "This run's time limit, at most ROBOT_TIMEOUT_MS",
    example: 600000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  timeout_ms?: number;

  @ApiPropertyOptional({
    description: "URL that receives this run's final event (signed)",
    example: 'https://example.com/rpa/callback',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'callback_url must be an http(s) URL' },
  )
  callback_url?: string;
}

export class StartExecutionDto extends RunOptionsDto {
  @ApiProperty({ example: '1001', description: 'Workflow to run; numbers are accepted' })
  @Transform(numberToString)
  @IsString()
  @Length(1, 100)
  project_id!: string;
}

export class ExecuteWorkflowDto extends RunOptionsDto {
  @ApiPropertyOptional({
    description: 'Wait at most this long (capped by SYNC_EXECUTE_TIMEOUT_MS)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  wait_ms?: number;
}

export class ExecuteAsyncWorkflowDto extends RunOptionsDto {}

/** A body's run options (wire names) as the start path takes them. */
export function runOptionsOf(dto: Partial<RunOptionsDto>): RunOptions {
  return {
    params: dto.params,
    execPosition: dto.exec_position,
    priority: dto.priority,
    reference: dto.reference,
    timeoutMs: dto.timeout_ms,
    callbackUrl: dto.callback_url,
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { JsonObject, numberToString, parseJsonObject } from '@app/common';
import { WorkflowStatus } from '../entities/workflow.entity';

// Control characters are refused on purpose: a project id travels in paths and logs.
// eslint-disable-next-line no-control-regex
export const PROJECT_ID_PATTERN = /^[^/\\\s][^/\\\u0000-\u001f]*$/;

export class UpsertWorkflowDto {
  @ApiProperty({
    description: 'Caller-chosen id, 1-100 chars; numbers are stored as strings',
    example: '1001',
  })
  @Transform(numberToString)
  @IsString()
  @Length(1, 100)
  @Matches(PROJECT_ID_PATTERN, {
    message: 'project_id must not contain slashes, control characters or start with a space',
  })
  project_id!: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Invoice download' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'Used as the MCP tool name',
    example: 'invoice_download',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  english_name?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ maxLength: 20, default: '1.0.0' })
  @IsOptional()
  @IsString()
  @Length(1, 20)
  version?: string;

  @ApiPropertyOptional({ enum: [0, 1], default: 1, description: '1 active, 0 inactive' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[01]$/.test(value) ? Number(value) : value,
  )
  @IsIn([WorkflowStatus.Active, WorkflowStatus.Inactive], {
    message: 'status must be 1 (active) or 0 (inactive)',
  })
  status?: WorkflowStatus;

  @ApiPropertyOptional({
    description: 'JSON Schema of the inputs (an object, or a JSON string of one)',
    example: { type: 'object', properties: { month: { type: 'string' } }, required: ['month'] },
  })
  @IsOptional()
  @Transform(parseJsonObject)
  @ValidateIf((_, value) => value !== null)
  @IsObject({ message: 'parameters must be a JSON Schema object or a JSON string of one' })
  parameters?: JsonObject | null;

  @ApiPropertyOptional({
    description: 'Ignored unless equal to the caller; ownership comes from the credentials',
  })
  @IsOptional()
  @Transform(numberToString)
  @IsString()
  @MaxLength(64)
  user_id?: string;
}

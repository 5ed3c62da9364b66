import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { JsonObject, LenientInput, numberToString, parseJsonObject } from '@app/common';
import { WorkflowStatus } from '../entities/workflow.entity';
import { PROJECT_ID_PATTERN } from './upsert-workflow.dto';

const MAX_DESCRIPTORS = 500;

const isPlainObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isParameters = (value: unknown): boolean =>
  isPlainObject(value) ||
  (Array.isArray(value) && value.length <= MAX_DESCRIPTORS && value.every(isPlainObject));

/**
 * `POST /workflows/upsert` as the platform's front end sends it: a field left out (or `''`)
 * keeps its stored value, `null` clears an optional one, unknown fields (`user_id`,
 * `created_at`, … of a workflow read back and sent again) are ignored. `parameters` is a
 * JSON Schema object, or the designer's list of parameter descriptors, or a JSON string of
 * either.
 */
@LenientInput()
export class LegacyUpsertWorkflowDto {
  @ApiProperty({ example: '1001', description: 'Numbers are stored as strings' })
  @Transform(numberToString)
  @IsString()
  @Length(1, 100)
  @Matches(PROJECT_ID_PATTERN, {
    message: 'project_id must not contain slashes, control characters or start with a space',
  })
  project_id!: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: 100,
    example: 'Invoice download',
    description: 'Required when the workflow is new',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 100,
    nullable: true,
    example: 'invoice_download',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  english_name?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 500,
    nullable: true,
    example: 'Downloads the month’s supplier invoices',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: '1.0.0',
    description: 'A number or a string (≤ 20 characters)',
  })
  @IsOptional()
  @Transform(numberToString)
  @IsString()
  @Length(1, 20)
  version?: string | null;

  @ApiPropertyOptional({ enum: [0, 1] })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === true || value === false
      ? Number(value)
      : typeof value === 'string' && /^[01]$/.test(value)
        ? Number(value)
        : value,
  )
  @IsIn([WorkflowStatus.Active, WorkflowStatus.Inactive], {
    message: 'status must be 1 (active) or 0 (inactive)',
  })
  status?: WorkflowStatus | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { type: 'object', properties: { month: { type: 'string' } } },
    description: 'JSON Schema object, list of parameter descriptors, or a JSON string of either',
  })
  @IsOptional()
  @Transform(parseJsonObject)
  @ValidateBy({
    name: 'isWorkflowParameters',
    validator: {
      validate: isParameters,
      defaultMessage: () =>
        `parameters must be an object or a list of at most ${MAX_DESCRIPTORS} objects (or a JSON string of one)`,
    },
  })
  parameters?: JsonObject | JsonObject[] | null;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxDate,
  MinDate,
} from 'class-validator';
import { SCOPES, Scope, LenientInput } from '@app/common';

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'nightly engine' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ enum: SCOPES, isArray: true, default: SCOPES })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true, message: `each scope must be one of ${SCOPES.join(', ')}` })
  scopes?: Scope[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2030-01-01T00:00:00.000Z',
    description: 'The key stops working after this time',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expires_at must be an ISO-8601 date-time' })
  @MinDate(() => new Date(), { message: 'expires_at must be in the future' })
  // The database stores years up to 9999 (year 275760 is a valid JavaScript date).
  @MaxDate(new Date('9999-12-31T23:59:59.999Z'), {
    message: 'expires_at must be before the year 10000',
  })
  expires_at?: Date;
}

/** `POST /api-keys/create`: unknown fields ignored, as the legacy service did. */
@LenientInput()
export class LegacyCreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;
}

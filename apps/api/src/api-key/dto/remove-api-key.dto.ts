import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { LenientInput } from '@app/common';

/** `POST /api-keys/remove`: unknown fields ignored, as the legacy service did. */
@LenientInput()
export class LegacyRemoveApiKeyDto {
  @ApiProperty({ description: 'Key id, a number or a numeric string', example: 12 })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: 'id must be a number or a numeric string' })
  @Min(1)
  id!: number;
}

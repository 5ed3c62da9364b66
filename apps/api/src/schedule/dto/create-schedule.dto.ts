import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { JsonObject } from '@app/common';

export class CreateScheduleDto {
  @ApiProperty({
    example: '0 9 * * 1-5',
    description: '5 fields (minute hour day month weekday), or 6 with seconds first',
  })
  @IsString()
  @Length(1, 120)
  cron!: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'IANA zone' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timezone?: string;

  @ApiPropertyOptional({ description: 'Inputs of every run', example: { month: 'current' } })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject({ message: 'params must be an object' })
  params?: JsonObject | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 5, description: '1 highest, 10 lowest' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;
}

export class UpdateScheduleDto {
  @ApiProperty({ description: 'false stops new runs; true resumes' })
  @IsBoolean()
  enabled!: boolean;
}

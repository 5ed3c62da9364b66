import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { RunOptionsDto } from '../../execution';

/** `params` and `priority` mean (and are validated) exactly as on the start routes. */
export class CreateScheduleDto extends PickType(RunOptionsDto, ['params', 'priority'] as const) {
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
}

export class UpdateScheduleDto {
  @ApiProperty({ description: 'false stops new runs; true resumes' })
  @IsBoolean()
  enabled!: boolean;
}

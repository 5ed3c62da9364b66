import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '@app/common';
import { DeliveryStatus } from '../entities/webhook-delivery.entity';

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DeliveryStatus })
  @IsOptional()
  @IsIn(Object.values(DeliveryStatus))
  status?: DeliveryStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  execution_id?: string;
}

export class AllDeliveriesQueryDto extends DeliveryQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  webhook_id?: string;

  @ApiPropertyOptional({
    enum: ['webhook', 'callback'],
    description: "callback: deliveries to runs' callback_url",
  })
  @IsOptional()
  @IsIn(['webhook', 'callback'])
  kind?: 'webhook' | 'callback';
}

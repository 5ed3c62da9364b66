import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DeliveryStatus, WebhookDeliveryEntity } from '../entities/webhook-delivery.entity';
import { WebhookDeliveryAttemptEntity } from '../entities/webhook-delivery-attempt.entity';
import { WebhookEntity, webhookEvents } from '../entities/webhook.entity';
import { WEBHOOK_EVENT_TYPES } from '../webhook.constants';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) events!: string[];
  @ApiPropertyOptional({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;

  static from(entity: WebhookEntity): WebhookDto {
    return {
      id: entity.id,
      url: entity.url,
      events: webhookEvents(entity),
      description: entity.description,
      created_at: entity.created_at.toISOString(),
      updated_at: entity.updated_at.toISOString(),
    };
  }
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({
    description: 'Signing secret for X-RPA-Signature. Shown only in this answer.',
    example: 'whsec_3q2+7w…',
  })
  secret!: string;
}

export class WebhookEnvelopeDto {
  @ApiProperty({ type: WebhookDto }) webhook!: WebhookDto;
}

export class WebhookPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [WebhookDto] }) records!: WebhookDto[];
}

export class CallbackSecretDto {
  @ApiProperty({ description: "Signs deliveries to runs' callback_url" }) secret!: string;
}

export class DeliveryAttemptDto {
  @ApiProperty() attempt!: number;
  @ApiPropertyOptional({ type: Number, nullable: true }) status_code!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) error!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) response_excerpt!: string | null;
  @ApiProperty() duration_ms!: number;
  @ApiProperty() created_at!: string;

  static from(entity: WebhookDeliveryAttemptEntity): DeliveryAttemptDto {
    return {
      attempt: entity.attempt,
      status_code: entity.status_code,
      error: entity.error,
      response_excerpt: entity.response_excerpt,
      duration_ms: entity.duration_ms,
      created_at: entity.created_at.toISOString(),
    };
  }
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Sent as X-RPA-Delivery' }) id!: string;
  @ApiProperty({ enum: ['webhook', 'callback'] }) kind!: 'webhook' | 'callback';
  @ApiPropertyOptional({ type: String, nullable: true }) webhook_id!: string | null;
  @ApiProperty({ format: 'uuid', description: 'The body\'s "id"; the same on redelivery' })
  event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) execution_id!: string | null;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: DeliveryStatus }) status!: DeliveryStatus;
  @ApiProperty() attempt_count!: number;
  @ApiPropertyOptional({ type: Number, nullable: true }) last_status_code!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) last_error!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) next_attempt_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) redelivery_of!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) completed_at!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ type: [DeliveryAttemptDto] }) attempts!: DeliveryAttemptDto[];

  static from(
    entity: WebhookDeliveryEntity,
    attempts: WebhookDeliveryAttemptEntity[] = [],
  ): DeliveryDto {
    return {
      id: entity.id,
      kind: entity.webhook_id === null ? 'callback' : 'webhook',
      webhook_id: entity.webhook_id,
      event_id: entity.event_id,
      event_type: entity.event_type,
      execution_id: entity.execution_id,
      url: entity.url,
      status: entity.status,
      attempt_count: Number(entity.attempts),
      last_status_code: entity.last_status_code,
      last_error: entity.last_error,
      next_attempt_at: iso(entity.next_attempt_at),
      redelivery_of: entity.redelivery_of,
      completed_at: iso(entity.completed_at),
      created_at: entity.created_at.toISOString(),
      attempts: attempts.map(DeliveryAttemptDto.from),
    };
  }
}

export class DeliveryEnvelopeDto {
  @ApiProperty({ type: DeliveryDto }) delivery!: DeliveryDto;
}

export class DeliveryPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [DeliveryDto] }) records!: DeliveryDto[];
}

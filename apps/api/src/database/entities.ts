import { ApiKeyEntity } from '../api-key/entities/api-key.entity';
import { ExecutionLogEntity } from '../execution/entities/execution-log.entity';
import { ExecutionEntity } from '../execution/entities/execution.entity';
import { ScheduleEntity } from '../schedule/entities/schedule.entity';
import { WebhookCallbackSecretEntity } from '../webhook/entities/webhook-callback-secret.entity';
import { WebhookDeliveryAttemptEntity } from '../webhook/entities/webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from '../webhook/entities/webhook-delivery.entity';
import { WebhookEntity } from '../webhook/entities/webhook.entity';
import { WorkflowEntity } from '../workflow/entities/workflow.entity';

export const ENTITIES = [
  WorkflowEntity,
  ExecutionEntity,
  ExecutionLogEntity,
  ApiKeyEntity,
  WebhookEntity,
  WebhookCallbackSecretEntity,
  WebhookDeliveryEntity,
  WebhookDeliveryAttemptEntity,
  ScheduleEntity,
];

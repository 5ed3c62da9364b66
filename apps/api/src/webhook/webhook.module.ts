import { BullModule, Processor } from '@nestjs/bullmq';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/common';
import { WebhookCallbackSecretEntity } from './entities/webhook-callback-secret.entity';
import { WebhookDeliveryAttemptEntity } from './entities/webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity } from './entities/webhook.entity';
import { WEBHOOK_DELIVERY_QUEUE, webhookBackoffMs } from './webhook.constants';
import { WebhookController } from './webhook.controller';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookRepository } from './webhook.repository';
import { WebhookDeliverer } from './webhook.deliverer';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookOutbox } from './webhook.outbox';
import { WebhookRetention } from './webhook.retention';
import { WebhookSecrets } from './webhook.secrets';
import { WebhookService } from './webhook.service';
import { WebhookSubscriptions } from './webhook.subscriptions';

/**
 * Worker options come from configuration: concurrency, the webhook backoff, and the job lock
 * of the other queues, so that an attempt a crashed worker held is taken up again within
 * seconds (it is then sent again: delivery is at least once, receivers dedupe on the event id).
 */
function configuredProcessor(config: AppConfig): Type<WebhookDeliveryProcessor> {
  const { concurrency, backoffBaseMs } = config.webhooks;
  @Processor(WEBHOOK_DELIVERY_QUEUE, {
    concurrency,
    lockDuration: config.execution.lockMs,
    stalledInterval: config.execution.stalledIntervalMs,
    maxStalledCount: 3,
    settings: { backoffStrategy: (attemptsMade) => webhookBackoffMs(attemptsMade, backoffBaseMs) },
  })
  class ConfiguredWebhookDeliveryProcessor extends WebhookDeliveryProcessor {}
  return ConfiguredWebhookDeliveryProcessor;
}

export interface WebhookModuleOptions {
  config: AppConfig;
  http: boolean;
  worker: boolean;
  /** The application's ExecutionModule (the same dynamic module instance, not a second one). */
  execution: DynamicModule;
}

/**
 * Webhooks and per-run callbacks (docs/webhooks.md), on top of the execution event stream. Every
 * process turns events into deliveries; worker processes send them.
 */
@Module({})
export class WebhookModule {
  static register(options: WebhookModuleOptions): DynamicModule {
    return {
      module: WebhookModule,
      imports: [
        TypeOrmModule.forFeature([
          WebhookEntity,
          WebhookCallbackSecretEntity,
          WebhookDeliveryEntity,
          WebhookDeliveryAttemptEntity,
        ]),
        BullModule.registerQueue({ name: WEBHOOK_DELIVERY_QUEUE }),
        options.execution,
      ],
      controllers: options.http ? [WebhookController] : [],
      providers: [
        WebhookRepository,
        WebhookDeliveryRepository,
        WebhookService,
        WebhookSecrets,
        WebhookSubscriptions,
        WebhookOutbox,
        WebhookDispatcher,
        ...(options.worker
          ? [WebhookDeliverer, WebhookRetention, configuredProcessor(options.config)]
          : []),
      ],
    };
  }
}

import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, ProcessorWorkerOptions, configuredProcessor } from '@app/common';
import { ExecutionModule } from '../execution';
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
import { WebhookPruneResync } from './webhook-prune.resync';
import { WebhookRetention } from './webhook.retention';
import { WebhookSecrets } from './webhook.secrets';
import { WebhookService } from './webhook.service';
import { WebhookSubscriptions } from './webhook.subscriptions';

/** The outbox queues deliveries in every role and the worker role's processor takes them. */
const queue = BullModule.registerQueue({ name: WEBHOOK_DELIVERY_QUEUE });

/**
 * Webhooks and per-run callbacks (docs/webhooks.md), on top of the execution event stream, in
 * every role: every process turns events into deliveries. WebhookHttpModule adds the routes,
 * WebhookWorkerModule sends the deliveries.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      WebhookEntity,
      WebhookCallbackSecretEntity,
      WebhookDeliveryEntity,
      WebhookDeliveryAttemptEntity,
    ]),
    queue,
    ExecutionModule,
  ],
  providers: [
    WebhookRepository,
    WebhookDeliveryRepository,
    WebhookService,
    WebhookSecrets,
    WebhookSubscriptions,
    WebhookOutbox,
    WebhookDispatcher,
  ],
  exports: [WebhookService, WebhookDeliveryRepository, WebhookSecrets, WebhookOutbox, queue],
})
export class WebhookModule {}

/** The webhook routes: api role. */
@Module({
  imports: [WebhookModule],
  controllers: [WebhookController],
})
export class WebhookHttpModule {}

/**
 * Concurrency and the webhook backoff come from configuration, and so does the job lock of the
 * other queues, so that an attempt a crashed worker held is taken up again within seconds (it
 * is then sent again: delivery is at least once, receivers dedupe on the event id).
 */
function webhookWorkerOptions(config: AppConfig): ProcessorWorkerOptions {
  const { concurrency, backoffBaseMs } = config.webhooks;
  return {
    concurrency,
    lockDuration: config.execution.lockMs,
    stalledInterval: config.execution.stalledIntervalMs,
    maxStalledCount: 3,
    settings: { backoffStrategy: (attemptsMade) => webhookBackoffMs(attemptsMade, backoffBaseMs) },
  };
}

/** Worker role: sends the deliveries and prunes their log (its job scheduler kept in Redis). */
@Module({})
export class WebhookWorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WebhookWorkerModule,
      imports: [WebhookModule],
      providers: [
        WebhookDeliverer,
        WebhookRetention,
        WebhookPruneResync,
        configuredProcessor(
          WebhookDeliveryProcessor,
          WEBHOOK_DELIVERY_QUEUE,
          webhookWorkerOptions(config),
        ),
      ],
    };
  }
}

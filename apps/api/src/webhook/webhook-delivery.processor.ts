import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { JobOf, inSpan, SpanKind } from '@app/common';
import {
  WEBHOOK_DELIVERY_QUEUE,
  WEBHOOK_PRUNE_EVERY_MS,
  WebhookJob,
  WebhookJobs,
} from './webhook.constants';
import { WebhookDeliverer } from './webhook.deliverer';
import { WebhookRetention } from './webhook.retention';

/**
 * Thin: one job run is one HTTP attempt. A failed attempt throws so that BullMQ schedules the
 * next one with the webhook backoff; a delivery that is over (last attempt, or a target the
 * SSRF guard refuses) throws UnrecoverableError so it is not retried. The same queue carries
 * the hourly pruning of the delivery log. Registered with worker options from configuration in
 * webhook.module.ts.
 */
@Injectable()
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);

  constructor(
    private readonly deliverer: WebhookDeliverer,
    private readonly retention: WebhookRetention,
    @InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  /** Not awaited: a worker must start (and report not ready) while Redis is away. */
  onApplicationBootstrap(): void {
    this.queue
      .upsertJobScheduler(
        WebhookJob.Prune,
        { every: WEBHOOK_PRUNE_EVERY_MS },
        { name: WebhookJob.Prune, opts: { removeOnComplete: 50, removeOnFail: 50 } },
      )
      .catch((err: Error) =>
        this.logger.warn(`Could not schedule the delivery log pruning: ${err.message}`),
      );
  }

  async process(job: JobOf<WebhookJobs>): Promise<void> {
    if (job.name === WebhookJob.Prune) {
      await this.retention.prune();
      return;
    }
    const result = await inSpan(
      'webhook delivery',
      {
        kind: SpanKind.CONSUMER,
        parent: job.data.trace,
        attributes: {
          'rpa.delivery_id': job.data.deliveryId,
          'rpa.attempt': job.attemptsMade + 1,
        },
      },
      () =>
        this.deliverer.attempt(job.data.deliveryId, job.attemptsMade + 1, job.opts.attempts ?? 1),
    );
    if (result.outcome === 'retry') throw new Error(result.reason);
    if (result.outcome === 'failed') throw new UnrecoverableError(result.reason);
  }
}

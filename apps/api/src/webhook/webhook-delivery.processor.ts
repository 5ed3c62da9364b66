import { WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { JobOf, inSpan, SpanKind } from '@app/common';
import { WebhookJob, WebhookJobs } from './webhook.constants';
import { WebhookDeliverer } from './webhook.deliverer';
import { WebhookRetention } from './webhook.retention';

/**
 * Thin: one job run is one HTTP attempt. A failed attempt throws so that BullMQ schedules the
 * next one with the webhook backoff; a delivery that is over (last attempt, or a target the
 * SSRF guard refuses) throws UnrecoverableError so it is not retried. The same queue carries
 * the hourly pruning of the delivery log (its scheduler kept by WebhookPruneResync). Registered with worker options from configuration in
 * webhook.module.ts.
 */
@Injectable()
export class WebhookDeliveryProcessor extends WorkerHost {
  constructor(
    private readonly deliverer: WebhookDeliverer,
    private readonly retention: WebhookRetention,
  ) {
    super();
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

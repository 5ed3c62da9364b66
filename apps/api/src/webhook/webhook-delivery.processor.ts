import { WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { WebhookJobData } from './webhook.constants';
import { WebhookDeliverer } from './webhook-deliverer.service';

/**
 * Thin: one job run is one HTTP attempt. A failed attempt throws so that BullMQ schedules the
 * next one with the webhook backoff; a delivery that is over (last attempt, or a target the
 * SSRF guard refuses) throws UnrecoverableError so it is not retried. Registered with worker
 * options from configuration in webhook.module.ts.
 */
@Injectable()
export class WebhookDeliveryProcessor extends WorkerHost {
  constructor(private readonly deliverer: WebhookDeliverer) {
    super();
  }

  async process(job: Job<WebhookJobData>): Promise<void> {
    const result = await this.deliverer.attempt(
      job.data.deliveryId,
      job.attemptsMade + 1,
      job.opts.attempts ?? 1,
    );
    if (result.outcome === 'retry') throw new Error(result.reason);
    if (result.outcome === 'failed') throw new UnrecoverableError(result.reason);
  }
}

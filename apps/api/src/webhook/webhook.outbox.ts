import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig, TraceCarrier, ensureEveryScheduler, traceCarrier } from '@app/common';
import { NewDelivery, WebhookDeliveryRepository } from './webhook-delivery.repository';
import {
  WEBHOOK_BACKOFF_TYPE,
  WEBHOOK_DELIVERY_QUEUE,
  WEBHOOK_PRUNE_EVERY_MS,
  WebhookJob,
  WebhookJobData,
} from './webhook.constants';

/**
 * Makes deliveries durable: a row in MySQL (the log the user reads) and a BullMQ job in Redis
 * (the retries), both keyed by the delivery id. Writing the same delivery twice is a no-op on
 * both sides (INSERT IGNORE, and BullMQ ignores a job id it already holds), which is what lets
 * every process handle every event. The queue's one producer, it also keeps the job scheduler
 * of the delivery log's pruning, which runs on the same queue.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    @InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue<WebhookJobData>,
    private readonly config: AppConfig,
  ) {}

  /** `trace`: the trace the deliveries belong to (the event's); the current one by default. */
  async post(rows: NewDelivery[], trace = traceCarrier()): Promise<void> {
    if (!rows.length) return;
    await this.deliveries.insertIgnoringExisting(rows);
    await Promise.all(rows.map((row) => this.enqueue(row.id, trace)));
  }

  /** Hourly pruning of the delivery log, unless Redis holds its scheduler: true when (re)created. */
  ensurePruneSchedule(): Promise<boolean> {
    return ensureEveryScheduler(this.queue, {
      name: WebhookJob.Prune,
      everyMs: WEBHOOK_PRUNE_EVERY_MS,
      what: 'the delivery log pruning',
    });
  }

  private async enqueue(deliveryId: string, trace: TraceCarrier | undefined): Promise<void> {
    await this.queue.add(WebhookJob.Deliver, trace ? { deliveryId, trace } : { deliveryId }, {
      jobId: deliveryId,
      attempts: this.config.webhooks.maxAttempts,
      backoff: { type: WEBHOOK_BACKOFF_TYPE },
      // Kept a day, so a late duplicate add of the same id stays a no-op.
      removeOnComplete: { age: 24 * 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}

import type { Queue } from 'bullmq';
import type { AppConfig } from '@app/common';
import { InMemorySchedulerQueue } from '@app/common/queue/scheduler-queue.fake';
import type { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WEBHOOK_PRUNE_EVERY_MS, WebhookJob } from './webhook.constants';
import { WebhookOutbox } from './webhook.outbox';

describe(WebhookOutbox.name, () => {
  let queue: InMemorySchedulerQueue;
  let sut: WebhookOutbox;

  beforeEach(() => {
    queue = new InMemorySchedulerQueue();
    sut = new WebhookOutbox(
      {} as WebhookDeliveryRepository,
      queue as unknown as Queue,
      {} as AppConfig,
    );
  });

  it('should schedule the delivery log pruning hourly when Redis lacks its scheduler', async () => {
    const created = await sut.ensurePruneSchedule();

    expect(created).toBe(true);
    expect(queue.upserts).toEqual([
      expect.objectContaining({
        id: WebhookJob.Prune,
        every: WEBHOOK_PRUNE_EVERY_MS,
        name: WebhookJob.Prune,
      }),
    ]);
  });

  it('should leave a scheduler Redis holds as it is, so its next tick keeps its time', async () => {
    await sut.ensurePruneSchedule();

    expect(await sut.ensurePruneSchedule()).toBe(false);
    expect(queue.upserts).toHaveLength(1);
  });

  it('should schedule it again after Redis lost it', async () => {
    await sut.ensurePruneSchedule();
    queue.schedulers.clear();

    expect(await sut.ensurePruneSchedule()).toBe(true);
    expect(queue.schedulers.has(WebhookJob.Prune)).toBe(true);
  });
});

import type { Queue } from 'bullmq';
import { InMemorySchedulerQueue } from '@app/common/queue/scheduler-queue.fake';
import { MaintenanceJob, PRUNE_EVERY_MS } from './execution.constants';
import { MaintenanceQueue } from './maintenance.queue';

describe(MaintenanceQueue.name, () => {
  let queue: InMemorySchedulerQueue;
  let sut: MaintenanceQueue;

  beforeEach(() => {
    queue = new InMemorySchedulerQueue();
    sut = new MaintenanceQueue(queue as unknown as Queue);
  });

  it('should schedule the retention pruning hourly when Redis lacks its scheduler', async () => {
    const created = await sut.ensureRetentionSchedule();

    expect(created).toBe(true);
    expect(queue.upserts).toEqual([
      expect.objectContaining({
        id: MaintenanceJob.PruneExecutions,
        every: PRUNE_EVERY_MS,
        name: MaintenanceJob.PruneExecutions,
      }),
    ]);
  });

  it('should leave a scheduler Redis holds as it is, so its next tick keeps its time', async () => {
    await sut.ensureRetentionSchedule();

    expect(await sut.ensureRetentionSchedule()).toBe(false);
    expect(queue.upserts).toHaveLength(1);
  });

  it('should schedule it again after Redis lost it', async () => {
    await sut.ensureRetentionSchedule();
    queue.schedulers.clear();

    expect(await sut.ensureRetentionSchedule()).toBe(true);
    expect(queue.schedulers.has(MaintenanceJob.PruneExecutions)).toBe(true);
  });
});

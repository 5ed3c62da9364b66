import { QueueSnapshot } from '@app/common';
import { ExecutionQueue } from '../execution';
import { AdminQueueService } from './admin-queue.service';

/** The executions queue as its intent methods see it: counts, a pause flag, finished jobs. */
class FakeExecutionQueue {
  readonly name = 'executions';
  paused = false;
  failed = ['f1', 'f2', 'f3'];
  completed = Array.from({ length: 1500 }, (_, i) => `c${i}`);
  waiting = 4;

  async snapshot(): Promise<QueueSnapshot> {
    return {
      counts: {
        waiting: this.waiting,
        failed: this.failed.length,
        completed: this.completed.length,
      },
      paused: this.paused,
    };
  }
  async pause() {
    this.paused = true;
  }
  async resume() {
    this.paused = false;
  }
  async retryFailed() {
    const moved = this.failed.length;
    this.waiting += moved;
    this.failed = [];
    return moved;
  }
  async clean(state: 'completed' | 'failed', _olderThanMs: number, limit: number) {
    const removed = this[state].slice(0, limit);
    this[state] = this[state].slice(limit);
    return removed;
  }
}

describe(AdminQueueService.name, () => {
  let queue: FakeExecutionQueue;
  let sut: AdminQueueService;

  beforeEach(() => {
    queue = new FakeExecutionQueue();
    sut = new AdminQueueService(queue as unknown as ExecutionQueue);
  });

  it('should report every state, missing ones as 0, with the pause flag', async () => {
    expect(await sut.status()).toEqual({
      queue: 'executions',
      paused: false,
      counts: {
        waiting: 4,
        prioritized: 0,
        active: 0,
        delayed: 0,
        completed: 1500,
        failed: 3,
        waiting_children: 0,
      },
    });
  });

  it('should pause and resume the queue and answer the status after each', async () => {
    expect((await sut.pause()).paused).toBe(true);
    expect(queue.paused).toBe(true);
    expect((await sut.resume()).paused).toBe(false);
  });

  it('should answer how many failed jobs went back to waiting', async () => {
    expect(await sut.retryFailed()).toBe(3);
    expect((await sut.status()).counts).toMatchObject({ failed: 0, waiting: 7 });
  });

  it('should clean up to the limit and report at most 1000 of the removed ids', async () => {
    const result = await sut.clean('completed', 0, 1200);

    expect(result.removed).toBe(1200);
    expect(result.job_ids).toHaveLength(1000);
    expect(result.job_ids[0]).toBe('c0');
    expect(queue.completed).toHaveLength(300);
  });
});

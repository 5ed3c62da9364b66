import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { REDIS_DEADLINE_MS } from '@app/common';
import { MAINTENANCE_QUEUE, MaintenanceJob } from '../apps/api/src/execution/execution.constants';
import { WEBHOOK_DELIVERY_QUEUE, WebhookJob } from '../apps/api/src/webhook/webhook.constants';
import { TestApp, startTestApp } from './support/app';
import { ChildHandle, freePort, startRedisServer } from './support/process';
import { waitFor } from './support/wait';

const RESYNC_MS = 1000;

/** The service's own job schedulers, as Redis holds them under the app's prefix. */
class MaintenanceSchedulers {
  private readonly queues: Queue[];

  constructor(redisUrl: string, prefix: string) {
    const { hostname, port } = new URL(redisUrl);
    const options = {
      connection: { host: hostname, port: Number(port) },
      prefix: `${prefix}:bull`,
    };
    this.queues = [
      new Queue(MAINTENANCE_QUEUE, options),
      new Queue(WEBHOOK_DELIVERY_QUEUE, options),
    ];
  }

  /** Next tick of the retention and of the delivery log pruning (undefined: missing). */
  async next(): Promise<Array<number | undefined>> {
    const [maintenance, deliveries] = this.queues;
    return [
      (await maintenance.getJobScheduler(MaintenanceJob.PruneExecutions))?.next,
      (await deliveries.getJobScheduler(WebhookJob.Prune))?.next,
    ];
  }

  async both(): Promise<number[] | undefined> {
    const next = await this.next();
    return next.every((millis) => millis !== undefined) ? (next as number[]) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}

/** What a Redis that lost its data looks like to this app: every key under its prefix gone. */
async function deleteKeysOf(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * The housekeeping job schedulers (execution retention, delivery log pruning) are kept by the
 * workers themselves: a Redis that lost its data gets them back within SCHEDULE_RESYNC_MS,
 * and a worker that started while Redis was away schedules them once Redis answers, both
 * without a restart.
 */
describe('Maintenance job schedulers (e2e)', () => {
  describe('after Redis lost its data', () => {
    let sut: TestApp;
    let schedulers: MaintenanceSchedulers;

    beforeAll(async () => {
      sut = await startTestApp({ APP_ROLE: 'worker', SCHEDULE_RESYNC_MS: String(RESYNC_MS) });
      schedulers = new MaintenanceSchedulers(sut.env.REDIS_URL, sut.env.REDIS_PREFIX);
    });
    afterAll(async () => {
      await schedulers?.close();
      await sut?.close();
    });

    it('should keep the next tick of each scheduler across re-syncs', async () => {
      // A new scheduler's first tick is due at once; once it ran, the next is an interval away.
      const first = await waitFor(() => schedulers.both(), {
        what: 'the first tick of both job schedulers to have run',
        accept: (next) => next?.every((millis) => millis > Date.now()) ?? false,
      });

      // Three re-sync passes: one that upserted again would move or replace the next tick.
      await new Promise((resolve) => setTimeout(resolve, RESYNC_MS * 3));

      expect(await schedulers.next()).toEqual(first);
    });

    it('should schedule both again within SCHEDULE_RESYNC_MS, without a restart', async () => {
      await waitFor(() => schedulers.both(), { what: 'both job schedulers' });

      expect(await deleteKeysOf(sut.env.REDIS_URL, sut.env.REDIS_PREFIX)).toBeGreaterThan(0);
      const lostAt = Date.now();
      expect(await schedulers.next()).toEqual([undefined, undefined]);

      await waitFor(() => schedulers.both(), { what: 'both job schedulers again' });
      const backMs = Date.now() - lostAt;
      // One re-sync pass, and some margin for a loaded machine.
      expect(backMs).toBeLessThan(RESYNC_MS + 4000);
      console.log(`Redis data loss: both maintenance job schedulers back after ${backMs} ms`);
    });
  });

  describe('for a worker that started while Redis was away', () => {
    let port: number;
    let redisServer: ChildHandle | undefined;
    let sut: TestApp;
    let schedulers: MaintenanceSchedulers | undefined;

    beforeAll(async () => {
      port = await freePort();
      // The default re-sync interval (5 min): only Redis coming back can explain a quick return.
      sut = await startTestApp({ APP_ROLE: 'worker', REDIS_URL: `redis://127.0.0.1:${port}` });
    });
    afterAll(async () => {
      await schedulers?.close();
      await sut?.close();
      await redisServer?.stop();
    });

    it('should schedule both once Redis answers', async () => {
      await sut.http.get('/health/ready').expect(503);
      // Past the deadline of the start-up pass: it gave up, so only Redis answering is left.
      await new Promise((resolve) => setTimeout(resolve, REDIS_DEADLINE_MS + 1000));

      redisServer = await startRedisServer(port);
      const upAt = Date.now();
      schedulers = new MaintenanceSchedulers(sut.env.REDIS_URL, sut.env.REDIS_PREFIX);

      await waitFor(() => schedulers!.both(), { what: 'both job schedulers' });
      const backMs = Date.now() - upAt;
      console.log(
        `Worker started without Redis: maintenance job schedulers ${backMs} ms after it answered`,
      );
      expect(backMs).toBeLessThan(15_000);
    });
  });
});

import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue, Worker } from 'bullmq';
import { APP_SHUTDOWN_EVENT, RedisService } from '@app/common';

/**
 * Shutdown while Redis is away. Closing a BullMQ queue or worker the usual way sends QUIT,
 * which ioredis keeps behind commands that never leave its offline queue, and waits for the
 * active jobs to report to Redis: the process would overrun SHUTDOWN_TIMEOUT_MS. So every
 * queue and worker is then closed by force (its connections dropped at once). Active runs were
 * interrupted by their processor; their jobs stay active in Redis and come back through the
 * stalled-job check (or the reconciliation) once Redis answers again.
 */
@Injectable()
export class RedisAwayShutdownService {
  private readonly logger = new Logger(RedisAwayShutdownService.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly redis: RedisService,
  ) {}

  @OnEvent(APP_SHUTDOWN_EVENT)
  async closeByForce(): Promise<void> {
    if (this.redis.reachable) return;
    const closing: Array<Promise<unknown>> = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) closing.push(instance.backend.close(true));
      if (instance instanceof WorkerHost) closing.push((instance.worker as Worker).close(true));
    }
    this.logger.warn(
      `Redis is unreachable: ${closing.length} queue(s) and worker(s) closed by force`,
    );
    await Promise.allSettled(closing);
  }
}

import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';

/** One warning per queue or worker in this interval while its Redis connection keeps failing. */
const QUIET_MS = 30_000;

/**
 * BullMQ queues and workers print every connection error to stderr, as raw stack traces,
 * unless someone listens: while Redis is away that is several lines a second. This listens
 * to all of them and turns the errors into an occasional structured warning (readiness
 * reports the outage itself).
 */
@Injectable()
export class QueueErrorLogger implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');
  private readonly lastWarned = new Map<string, number>();

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) {
        instance.on('error', (err: Error) => this.warn(`queue ${instance.name}`, err));
      }
      if (instance instanceof WorkerHost) {
        const worker = instance.worker as Worker;
        worker.on('error', (err: Error) => this.warn(`worker ${worker.name}`, err));
      }
    }
  }

  private warn(name: string, err: Error): void {
    const now = Date.now();
    if (now - (this.lastWarned.get(name) ?? 0) < QUIET_MS) return;
    this.lastWarned.set(name, now);
    this.logger.warn(`${name}: ${err.message}`);
  }
}

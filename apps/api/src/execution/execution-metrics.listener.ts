import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { MetricsService } from '../metrics';
import { ExecutionEvent, ExecutionEventType } from './execution.events';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionQueue } from './execution.queue';

/**
 * Feeds the execution series of /metrics. Counts only the events this process published
 * (`onPublishedHere`), never the copies every process receives from Redis: each state change
 * is made and published by exactly one process (conditional updates), so the sum over all
 * api and worker processes counts it once.
 */
@Injectable()
export class ExecutionMetricsListener implements OnModuleInit, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: ExecutionQueue,
    private readonly bus: ExecutionEventBus,
  ) {}

  onModuleInit(): void {
    this.metrics.trackQueue(this.queue);
    this.subscription = this.bus.onPublishedHere((event) => this.count(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  count(event: ExecutionEvent): void {
    switch (event.type) {
      case ExecutionEventType.Created:
        this.metrics.executionsCreated.inc();
        break;
      case ExecutionEventType.Started:
        this.metrics.executionsStarted.inc();
        break;
      case ExecutionEventType.Completed:
      case ExecutionEventType.Failed:
      case ExecutionEventType.Cancelled:
        this.metrics.executionsEnded.inc({ status: event.status });
        break;
      case ExecutionEventType.Progress:
      case ExecutionEventType.Log:
        break;
    }
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { MetricsService } from '../metrics';
import {
  EXECUTION_PUBLISHED_LOCALLY,
  ExecutionEvent,
  ExecutionEventType,
  isFinalEvent,
} from './execution.events';
import { ExecutionQueue } from './execution.queue';

/**
 * Feeds the execution series of /metrics. Counts only the events this process published
 * (EXECUTION_PUBLISHED_LOCALLY), never the copies every process receives from Redis: each
 * state change is made and published by exactly one process (conditional updates), so the
 * sum over all api and worker processes counts it once.
 */
@Injectable()
export class ExecutionMetricsListener implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: ExecutionQueue,
  ) {}

  onModuleInit(): void {
    this.metrics.trackQueue(this.queue);
  }

  @OnEvent(EXECUTION_PUBLISHED_LOCALLY)
  count(event: ExecutionEvent): void {
    if (event.type === ExecutionEventType.Created) this.metrics.executionsCreated.inc();
    else if (event.type === ExecutionEventType.Started) this.metrics.executionsStarted.inc();
    else if (isFinalEvent(event)) this.metrics.executionsEnded.inc({ status: event.status });
  }
}

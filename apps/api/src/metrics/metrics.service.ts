import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppConfig, QUEUE_STATES, countSseStreams, withinRedisDeadline } from '@app/common';

// The robot's vocabulary, still defined here because execution/robot labels its series with it
// (it moves to execution/robot with the execution-side follow-up).
export type RobotOperation = 'create' | 'query' | 'cancel';
export const ROBOT_ERROR_KINDS = [
  'transport',
  'http_5xx',
  'http_4xx',
  'rejected',
  'other',
] as const;
export type RobotErrorKind = (typeof ROBOT_ERROR_KINDS)[number];

/**
 * The process's Prometheus registry and every series the service exposes (docs/operating.md
 * lists them). One registry per application instance, so tests running several apps in one
 * process never share or double-register series. Counters are incremented in the process
 * where the counted thing happened, so summing over processes never double counts;
 * queue gauges describe the shared queue and read the same in every process.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private readonly queues = new Map<string, Queue>();

  readonly httpDuration = new Histogram({
    name: 'rpa_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly executionsCreated = new Counter({
    name: 'rpa_executions_created_total',
    help: 'Executions accepted by a start route (PENDING rows written)',
    registers: [this.registry],
  });

  readonly executionsStarted = new Counter({
    name: 'rpa_executions_started_total',
    help: 'Executions whose robot task was created (moved to RUNNING)',
    registers: [this.registry],
  });

  readonly executionsEnded = new Counter({
    name: 'rpa_executions_ended_total',
    help: 'Executions that ended, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly robotCallDuration = new Histogram({
    name: 'rpa_robot_call_duration_seconds',
    help: 'Calls to the robot service by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly robotCallErrors = new Counter({
    name: 'rpa_robot_call_errors_total',
    help: 'Failed robot calls by operation and kind (transport, http_5xx, http_4xx, rejected, other)',
    labelNames: ['operation', 'kind'] as const,
    registers: [this.registry],
  });

  /** Set by the gateway of processes that serve Socket.IO; read at each scrape. */
  private socketCount: () => number = () => 0;

  readonly socketConnections: Gauge = new Gauge({
    name: 'rpa_socket_connections',
    help: 'Socket.IO connections open on this process',
    registers: [this.registry],
    collect: (): void => this.socketConnections.set(this.socketCount()),
  });

  /** Set by the executor bridge of processes that serve `/ws`; read at each scrape. */
  private executorCount: () => number = () => 0;

  readonly executorsConnected: Gauge = new Gauge({
    name: 'rpa_executors_connected',
    help: 'Executors (robots over /ws) connected to this process',
    registers: [this.registry],
    collect: (): void => this.executorsConnected.set(this.executorCount()),
  });

  readonly executorDispatches = new Counter({
    name: 'rpa_executor_dispatches_total',
    help: 'Runs sent to an executor (remote/run frames) by this process',
    registers: [this.registry],
  });

  readonly sseStreams = new Gauge({
    name: 'rpa_sse_streams',
    help: 'Server-Sent Events streams open on this process',
    registers: [this.registry],
    collect: () => {
      const app = this.adapterHost.httpAdapter?.getInstance<object>();
      this.sseStreams.set(app ? countSseStreams(app) : 0);
    },
  });

  readonly queueJobs = new Gauge({
    name: 'rpa_queue_jobs',
    help: 'Jobs in each queue by state (the shared queue: the same in every process)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly queuePaused = new Gauge({
    name: 'rpa_queue_paused',
    help: '1 when the queue is paused globally',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(
    config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.registry.setDefaultLabels({ role: config.role });
    collectDefaultMetrics({ register: this.registry });
    // Known label values start at 0, so rates and alerts have a series from the first scrape.
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED']) {
      this.executionsEnded.inc({ status }, 0);
    }
    for (const operation of ['create', 'query', 'cancel'] as const) {
      for (const kind of ROBOT_ERROR_KINDS) this.robotCallErrors.inc({ operation, kind }, 0);
    }
  }

  /** The Prometheus text exposition; queue gauges are read from Redis now. */
  async render(): Promise<string> {
    await this.collectQueues();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reports a queue's depth by state on every scrape. */
  trackQueue(queue: Queue): void {
    this.queues.set(queue.name, queue);
  }

  /** For the Socket.IO gateway: the number of connections open on this process. */
  countSocketsWith(source: () => number): void {
    this.socketCount = source;
  }

  /** For the executor bridge: the number of executors connected to this process. */
  countExecutorsWith(source: () => number): void {
    this.executorCount = source;
  }

  observeRobotCall(operation: RobotOperation, seconds: number, error?: RobotErrorKind): void {
    this.robotCallDuration.observe({ operation, outcome: error ? 'error' : 'ok' }, seconds);
    if (error) this.robotCallErrors.inc({ operation, kind: error });
  }

  private async collectQueues(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map(async (queue) => {
        try {
          const [counts, paused] = await withinRedisDeadline(
            'reading the queue',
            Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.isPaused()]),
          );
          for (const state of QUEUE_STATES) {
            this.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
          }
          this.queuePaused.set({ queue: queue.name }, paused ? 1 : 0);
        } catch (err) {
          // A scrape during a Redis outage still answers the process metrics.
          this.logger.warn(`Could not read queue ${queue.name}: ${(err as Error).message}`);
        }
      }),
    );
  }
}

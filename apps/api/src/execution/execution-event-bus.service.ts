import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { Observable, Subject, filter } from 'rxjs';
import {
  APP_SHUTDOWN_EVENT,
  RedisService,
  TimeoutError,
  traceCarrier,
  withTimeout,
} from '@app/common';
import { EXECUTION_EVENTS_CHANNEL } from './execution.constants';
import { EXECUTION_PUBLISHED_LOCALLY, ExecutionEvent, isFinalEvent } from './execution.events';
import { ExecutionEventLog, parseEventMessage } from './execution-event-log.service';

/**
 * The domain event stream of executions. Producers (api and worker processes) publish to
 * Redis; every process receives every event once, in publish order, and re-emits it locally
 * through EventEmitter2 (by event type) and an observable stream. Subscribers (SSE, sync
 * waits, Socket.IO, MCP, webhooks) never care which process made the change.
 */
@Injectable()
export class ExecutionEventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionEventBus.name);
  private readonly stream = new Subject<ExecutionEvent>();
  /** Fires once at shutdown: pending waits answer with the state as it stands. */
  private readonly released = new Subject<void>();
  private releasing = false;
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly redis: RedisService,
    private readonly emitter: EventEmitter2,
    readonly log: ExecutionEventLog,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(EXECUTION_EVENTS_CHANNEL, (message) =>
      this.deliver(message),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
    this.stream.complete();
  }

  /**
   * Every state change is stored and published once, by the process that made it; that
   * process also emits EXECUTION_PUBLISHED_LOCALLY, so per-process counters (metrics) never
   * double count. Resolves with the event's id.
   */
  async publish(event: ExecutionEvent): Promise<string> {
    this.emitter.emit(EXECUTION_PUBLISHED_LOCALLY, event);
    const trace = traceCarrier();
    return this.log.append(trace ? { ...event, trace } : event);
  }

  /** Publishes without letting a Redis hiccup fail the state change that caused it. */
  publishSafely(event: ExecutionEvent): void {
    this.publish(event).catch((err: Error) =>
      this.logger.warn(`Could not publish ${event.type} for ${event.execution_id}: ${err.message}`),
    );
  }

  get events$(): Observable<ExecutionEvent> {
    return this.stream.asObservable();
  }

  forExecution(executionId: string): Observable<ExecutionEvent> {
    return this.stream.pipe(filter((event) => event.execution_id === executionId));
  }

  /**
   * Resolves when the execution's final event arrives, when `alreadyFinal` (checked after
   * subscribing, so nothing slips between) says it has ended, or after `timeoutMs`.
   */
  async waitForFinal(
    executionId: string,
    timeoutMs: number,
    alreadyFinal: () => Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<void> {
    let done!: (err?: unknown) => void;
    const ended = new Promise<void>((resolve, reject) => {
      done = (err) => (err ? reject(err) : resolve());
    });
    const onAbort = () => done();
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = this.released.subscribe(() => done());
    const subscription = this.forExecution(executionId)
      .pipe(filter(isFinalEvent))
      .subscribe(() => done());
    try {
      if (this.releasing || signal?.aborted) return;
      alreadyFinal().then((isEnded) => isEnded && done(), done);
      // Running out of time is an answer too: the caller reads the execution as it stands.
      await withTimeout(ended, timeoutMs).catch((err: unknown) => {
        if (!(err instanceof TimeoutError)) throw err;
      });
    } finally {
      subscription.unsubscribe();
      release.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** At shutdown, sync executes, MCP calls and rpa streams stop waiting and answer now. */
  @OnEvent(APP_SHUTDOWN_EVENT)
  releaseWaiters(): void {
    this.releasing = true;
    this.released.next();
  }

  private deliver(message: string): void {
    const event = parseEventMessage(message);
    if (!event) {
      this.logger.warn('Dropped a malformed execution event');
      return;
    }
    this.stream.next(event);
    this.emitter.emit(event.type, event);
  }
}

import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Observable, Subject, Subscription, filter } from 'rxjs';
import {
  APP_SHUTDOWN_EVENT,
  RedisService,
  TimeoutError,
  traceCarrier,
  withTimeout,
} from '@app/common';
import { EXECUTION_EVENTS_CHANNEL } from './execution.constants';
import {
  ExecutionEvent,
  ExecutionEventOfType,
  ExecutionEventType,
  isFinalEvent,
} from './execution.events';
import { ExecutionEventLog, parseEventMessage } from './execution-event.log';

/** A subscriber's handler; what it throws or rejects with is logged, and goes no further. */
export type ExecutionEventHandler<E extends ExecutionEvent = ExecutionEvent> = (
  event: E,
) => void | Promise<void>;

/**
 * The one in-process channel of execution events. Producers (api and worker processes)
 * publish to Redis; every process receives every event once, in publish order, and hands it
 * to its subscribers: handlers (`on`, isolated from each other) and observable streams
 * (`events$`, `forExecution`). Subscribers (SSE, sync waits, Socket.IO, MCP, webhooks) never
 * care which process made the change; per-process counters take `onPublishedHere` instead.
 */
@Injectable()
export class ExecutionEventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionEventBus.name);
  /** Every event, as Redis delivers it to this process. */
  private readonly received = new Subject<ExecutionEvent>();
  /** The events this process published, as it publishes them. */
  private readonly published = new Subject<ExecutionEvent>();
  /** Fires once at shutdown: pending waits answer with the state as it stands. */
  private readonly released = new Subject<void>();
  private releasing = false;
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly redis: RedisService,
    readonly log: ExecutionEventLog,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(EXECUTION_EVENTS_CHANNEL, (message) =>
      this.deliver(message),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
    this.received.complete();
    this.published.complete();
  }

  /**
   * Every state change is stored and published once, by the process that made it; that
   * process alone hands it to `onPublishedHere` handlers, so per-process counters (metrics)
   * never double count. Resolves with the event's id.
   */
  async publish(event: ExecutionEvent): Promise<string> {
    this.published.next(event);
    const trace = traceCarrier();
    return this.log.append(trace ? { ...event, trace } : event);
  }

  /** Publishes without letting a Redis hiccup fail the state change that caused it. */
  publishSafely(event: ExecutionEvent): void {
    this.publish(event).catch((err: Error) =>
      this.logger.warn(`Could not publish ${event.type} for ${event.execution_id}: ${err.message}`),
    );
  }

  /** Every event, in every process. A subscriber that may throw takes `on` instead. */
  get events$(): Observable<ExecutionEvent> {
    return this.received.asObservable();
  }

  forExecution(executionId: string): Observable<ExecutionEvent> {
    return this.received.pipe(filter((event) => event.execution_id === executionId));
  }

  /**
   * Calls `handler` with every event (of `types`, when given) until the subscription is
   * unsubscribed. A handler that throws or rejects is logged; the other subscribers and
   * later events are not affected.
   */
  on(handler: ExecutionEventHandler): Subscription;
  on<T extends ExecutionEventType>(
    types: readonly T[],
    handler: ExecutionEventHandler<ExecutionEventOfType<T>>,
  ): Subscription;
  on(
    typesOrHandler: readonly ExecutionEventType[] | ExecutionEventHandler,
    handler?: ExecutionEventHandler<never>,
  ): Subscription {
    if (typeof typesOrHandler === 'function') return this.listen(this.received, typesOrHandler);
    const types = typesOrHandler;
    const typed = handler as ExecutionEventHandler;
    return this.listen(this.received.pipe(filter((event) => types.includes(event.type))), typed);
  }

  /**
   * Calls `handler` with each event this process publishes, when it publishes it (before it
   * is stored): across processes every event reaches such handlers exactly once.
   */
  onPublishedHere(handler: ExecutionEventHandler): Subscription {
    return this.listen(this.published, handler);
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

  private listen(source: Observable<ExecutionEvent>, handler: ExecutionEventHandler): Subscription {
    return source.subscribe((event) => {
      try {
        const done = handler(event);
        if (done instanceof Promise) done.catch((err: unknown) => this.failed(event, err));
      } catch (err) {
        this.failed(event, err);
      }
    });
  }

  private failed(event: ExecutionEvent, err: unknown): void {
    this.logger.error({ err }, `A handler of ${event.type} of ${event.execution_id} failed`);
  }

  private deliver(message: string): void {
    const event = parseEventMessage(message);
    if (!event) {
      this.logger.warn('Dropped a malformed execution event');
      return;
    }
    this.received.next(event);
  }
}

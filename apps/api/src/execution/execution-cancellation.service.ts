import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RedisService } from '@app/common';
import { EXECUTION_CANCEL_CHANNEL } from './execution.constants';

/**
 * Cancellation reaches an active run through Redis, not process memory (DESIGN §6): the
 * process that cancels publishes the id, the process running it aborts its controller.
 */
@Injectable()
export class ExecutionCancellation implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionCancellation.name);
  private readonly active = new Map<string, AbortController>();
  private unsubscribe?: () => Promise<void>;

  constructor(private readonly redis: RedisService) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(EXECUTION_CANCEL_CHANNEL, (executionId) =>
      this.abortLocal(executionId),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }

  async requestCancel(executionId: string): Promise<void> {
    await this.redis.publish(EXECUTION_CANCEL_CHANNEL, executionId);
  }

  /** Registers a run in this process; the signal aborts when someone cancels it anywhere. */
  track(executionId: string): AbortSignal {
    const controller = new AbortController();
    this.active.set(executionId, controller);
    return controller.signal;
  }

  /** Forgets a run, unless a newer run of the same execution has replaced it meanwhile. */
  untrack(executionId: string, signal: AbortSignal): void {
    if (this.active.get(executionId)?.signal === signal) this.active.delete(executionId);
  }

  private abortLocal(executionId: string): void {
    const controller = this.active.get(executionId);
    if (!controller) return;
    this.logger.log(`Cancelling execution ${executionId} in this process`);
    controller.abort();
  }
}

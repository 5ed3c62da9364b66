import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RedisService } from '@app/common';
import { EXECUTION_CANCEL_CHANNEL } from './execution.constants';
import { RobotClient } from './robot/robot-client';

/**
 * Thrown by a run stopped because this worker shuts down (not because someone cancelled it):
 * the robot task goes on, and the job returns to the queue so another worker resumes
 * following it.
 */
export class RunInterrupted extends Error {
  constructor() {
    super('Run interrupted by a worker shutdown; it will resume on another worker');
    this.name = 'RunInterrupted';
  }
}

const INTERRUPTED = Symbol('run-interrupted');

export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted && signal.reason === INTERRUPTED) throw new RunInterrupted();
}

/**
 * Cancellation reaches an active run through Redis, not process memory (docs/robot-service.md): the
 * process that cancels publishes the id, the process running it aborts its controller.
 */
@Injectable()
export class ExecutionCancellation implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionCancellation.name);
  private readonly active = new Map<string, AbortController>();
  private interrupted = false;
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly redis: RedisService,
    private readonly robot: RobotClient,
  ) {}

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

  /**
   * The cancelled run's job was removed while it waited or was parked between looks: no step
   * will follow its task again, so the robot is told here (best effort, as a step would).
   */
  async stopRobotTask(executionId: string, taskId: string, requestId?: string): Promise<void> {
    try {
      await this.robot.cancelTask(taskId, { executionId, requestId });
    } catch (err) {
      this.logger.warn(`Could not cancel robot task ${taskId}: ${(err as Error).message}`);
    }
  }

  /** Registers a run in this process; the signal aborts when someone cancels it anywhere. */
  track(executionId: string): AbortSignal {
    const controller = new AbortController();
    if (this.interrupted) controller.abort(INTERRUPTED);
    this.active.set(executionId, controller);
    return controller.signal;
  }

  /** Shutdown: every run of this process (and any starting later) stops, see RunInterrupted. */
  interruptAll(): number {
    this.interrupted = true;
    for (const controller of this.active.values()) controller.abort(INTERRUPTED);
    return this.active.size;
  }

  /** Stops following one run in this process (its job is no longer ours), see RunInterrupted. */
  interrupt(executionId: string): void {
    this.active.get(executionId)?.abort(INTERRUPTED);
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

import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AppConfig, inSpan, RedisService, SpanKind } from '@app/common';
import {
  ExecutionErrorCode,
  RobotCallContext,
  RobotClient,
  RobotError,
  RobotTaskInput,
  RobotTaskState,
} from '../execution';
import { ExecutorChannels, ExecutorErrors, StopCommand } from './executor.constants';
import { interpretReply, runFrameData } from './executor-frames';
import { interpretReceipt, Receipt } from './executor-managed';
import { ExecutorRun, ExecutorStore } from './executor.store';

const state = (
  status: RobotTaskState['status'],
  extra: Partial<RobotTaskState> = {},
): RobotTaskState => ({ status, progress: null, result: null, error: null, logs: [], ...extra });
const noExecutor = (error: string) =>
  state('FAILED', { error, errorCode: ExecutionErrorCode.NoExecutor });
const executorLost = (error: string) =>
  state('FAILED', { error, errorCode: ExecutionErrorCode.ExecutorLost });

/**
 * ROBOT_MODE=executor: a "task" is a run handed to one of the user's executors over `/ws`.
 * createTask queues and announces it in Redis (the process holding a free connection of the
 * user sends it), getTask reads the recorded reply or receipt or the fault, cancelTask sends
 * `remote/stop` (managed: `cancel`). Everything lives in Redis, so a worker resumed after a
 * crash follows the same dispatch.
 */
export class ExecutorRobotClient extends RobotClient {
  private readonly logger = new Logger(ExecutorRobotClient.name);
  /** When a fault of a run is due (no executor, lost grace): the next look is no later. */
  private readonly dueAt = new Map<string, number>();
  private readonly listeners: Array<(executionId: string) => void> = [];
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly config: AppConfig,
    private readonly store: ExecutorStore,
    private readonly redis: RedisService,
  ) {
    super();
  }

  async createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string> {
    if (!input.user_id) throw new RobotError('the run has no owner to dispatch to', false);
    const userId = input.user_id;
    // The engine's frames have no field for a trace context: the trace ends at the hand-off.
    return inSpan(
      'executor dispatch',
      { kind: SpanKind.PRODUCER, attributes: { 'rpa.execution_id': ctx.executionId } },
      async (span) => {
        const eventId = await this.store.register({
          event_id: randomUUID(),
          execution_id: ctx.executionId,
          user_id: userId,
          project_id: input.project_id,
          priority: input.priority ?? 5,
          frame: JSON.stringify(runFrameData(input.project_id, input.exec_position, input.params)),
        });
        span.setAttribute('rpa.executor.event_id', eventId);
        return eventId;
      },
    );
  }

  async getTask(eventId: string): Promise<RobotTaskState> {
    const now = Date.now();
    const run = await this.store.get(eventId);
    if (!run) throw new RobotError(`the executor run ${eventId} is unknown`, false);
    const { waitMs, lostGraceMs } = this.config.executor;
    switch (run.status) {
      case 'waiting': {
        const due = run.created_at + waitMs;
        if (now >= due && !(await this.store.hasConnection(run.user_id))) {
          const error = ExecutorErrors.noExecutor(waitMs);
          if (await this.store.finish(eventId, ['waiting'], 'no_executor', error)) {
            return this.ended(eventId, noExecutor(error));
          }
          return this.getTask(eventId);
        }
        this.dueAt.set(eventId, Math.max(due, now + 1000));
        return state('PENDING');
      }
      case 'dispatched': {
        let lostAt = run.lost_at;
        if (lostAt === undefined && run.conn_id && !(await this.store.isConnected(run.conn_id))) {
          // Its process died without closing it: the grace starts now.
          lostAt = now;
          await this.store.markLost([eventId], now);
        }
        const askAt = run.protocol === 'managed' ? await this.askIfOverdue(run, now) : undefined;
        if (lostAt !== undefined) {
          if (now >= lostAt + lostGraceMs) {
            const error = ExecutorErrors.lost(lostGraceMs);
            if (await this.store.finish(eventId, ['dispatched'], 'lost', error)) {
              return this.ended(eventId, executorLost(error));
            }
            return this.getTask(eventId);
          }
          this.dueAt.set(eventId, Math.min(lostAt + lostGraceMs, askAt ?? Infinity));
        } else if (askAt !== undefined) {
          this.dueAt.set(eventId, askAt);
        } else {
          this.dueAt.delete(eventId);
        }
        return state('RUNNING');
      }
      case 'replied': {
        const reply: unknown = JSON.parse(run.reply ?? 'null');
        const outcome =
          run.protocol === 'managed' ? interpretReceipt(reply as Receipt) : interpretReply(reply);
        return this.ended(
          eventId,
          outcome.status === 'COMPLETED'
            ? state('COMPLETED', { result: outcome.result, progress: 100 })
            : outcome.status === 'CANCELLED'
              ? state('CANCELLED')
              : state('FAILED', { error: outcome.error }),
        );
      }
      case 'cancelled':
        return this.ended(eventId, state('CANCELLED'));
      case 'no_executor':
        return this.ended(eventId, noExecutor(run.error ?? run.status));
      case 'lost':
        return this.ended(eventId, executorLost(run.error ?? run.status));
      default:
        return this.ended(eventId, state('FAILED', { error: run.error ?? run.status }));
    }
  }

  cancelTask(eventId: string): Promise<void> {
    return inSpan(
      'executor stop',
      { kind: SpanKind.PRODUCER, attributes: { 'rpa.executor.event_id': eventId } },
      () => this.stop(eventId),
    );
  }

  /** Ends the run's record and, when an executor holds it, sends it `remote/stop`. */
  private async stop(eventId: string): Promise<void> {
    const ended = await this.store.finish(eventId, ['waiting', 'dispatched'], 'cancelled');
    this.dueAt.delete(eventId);
    if (!ended || ended.previous !== 'dispatched' || !ended.connId) return;
    const run = await this.store.get(eventId);
    if (!run) return;
    await this.redis.publish(
      ExecutorChannels.Control,
      JSON.stringify(this.command('stop', { ...run, conn_id: ended.connId })),
    );
  }

  private command(action: StopCommand['action'], run: ExecutorRun): StopCommand {
    return {
      action,
      conn_id: run.conn_id ?? '',
      event_id: run.event_id,
      user_id: run.user_id,
      execution_id: run.execution_id,
      project_id: run.project_id,
      ...(run.client_id ? { client_id: run.client_id } : {}),
      ...(run.run_id ? { run_id: run.run_id } : {}),
    };
  }

  /**
   * A managed run with no receipt for EXECUTOR_RECEIPT_MS: its executor is asked (`get`)
   * wherever it is connected. Answers when the run is next due to be asked.
   */
  private async askIfOverdue(run: ExecutorRun, now: number): Promise<number> {
    const { receiptMs } = this.config.executor;
    const last = Math.max(run.receipt_at ?? 0, run.asked_at ?? 0, run.dispatched_at ?? 0);
    if (now < last + receiptMs) return last + receiptMs;
    await this.store.markAsked(run.event_id, now);
    await this.redis.publish(ExecutorChannels.Control, JSON.stringify(this.command('get', run)));
    return now + receiptMs;
  }

  async ping(): Promise<void> {
    // The executors are reached through Redis: this robot answers when Redis does.
    await this.redis.probe().catch(() => {
      throw new RobotError('Redis does not answer', true);
    });
  }

  /** Replies (and lost connections) are announced through Redis as they happen. */
  override get pushesEnd(): boolean {
    return true;
  }

  override nextLookWithin(eventId: string, ms: number): number {
    const due = this.dueAt.get(eventId);
    this.dueAt.delete(eventId);
    return due === undefined ? ms : Math.max(0, Math.min(ms, due - Date.now()));
  }

  /** Every announced change of a run reaches `listener` with the run's execution id. */
  override onPush(listener: (executionId: string) => void): void {
    this.listeners.push(listener);
    void this.subscribe();
  }

  private ended(eventId: string, result: RobotTaskState): RobotTaskState {
    this.dueAt.delete(eventId);
    return result;
  }

  private async announce(eventId: string): Promise<void> {
    const run = await this.store.get(eventId);
    if (run) for (const listener of this.listeners) listener(run.execution_id);
  }

  private subscribe(): Promise<unknown> {
    this.subscribed ??= this.redis
      .subscribe(ExecutorChannels.Settled, (eventId) => {
        this.announce(eventId).catch((err: Error) =>
          this.logger.warn(`Could not announce executor run ${eventId}: ${err.message}`),
        );
      })
      .catch((err: Error) => {
        this.subscribed = undefined;
        this.logger.warn(`Could not subscribe to executor replies: ${err.message}`);
      });
    return this.subscribed;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { ExecutionEvent, publicEvent } from '../execution';
import { ExecutorEvent, publicExecutorEvent } from '../executor';
import { ExecutionsNamespace, LiveExecutionEvent, Rooms } from './gateway.types';

/**
 * The socket server behind one typed emitter: the only code that writes to sockets.
 *
 * Every process receives every domain event from Redis (ExecutionEventBus), so each one
 * delivers it to its own sockets (`local`): going through the Redis adapter again would hand
 * every socket one copy per api process. Events are written synchronously, in arrival order,
 * so the order of one execution's events is kept.
 */
@Injectable()
export class ExecutionEventsEmitter {
  private readonly logger = new Logger(ExecutionEventsEmitter.name);
  private namespace?: ExecutionsNamespace;

  bind(namespace: ExecutionsNamespace): void {
    this.namespace = namespace;
  }

  emit(event: ExecutionEvent): void {
    if (!this.namespace) return;
    const { type, ...payload } = publicEvent(event);
    try {
      // One broadcast to the union of the rooms: a socket in several of them gets it once.
      this.namespace.local.to(Rooms.of(event)).emit(type, payload satisfies LiveExecutionEvent);
    } catch (err) {
      this.logger.error({ err }, `Could not deliver ${type} of ${event.execution_id}`);
    }
  }

  /**
   * An executor event is emitted only in the process holding the executor's connection, so
   * it goes through the Redis adapter to the user's sockets wherever they are connected.
   */
  emitExecutorEvent(event: ExecutorEvent): void {
    if (!this.namespace) return;
    try {
      this.namespace.to(Rooms.user(event.user_id)).emit(event.type, publicExecutorEvent(event));
    } catch (err) {
      this.logger.error({ err }, `Could not deliver ${event.type} of ${event.executor_id}`);
    }
  }

  /** Disconnects this process's sockets that authenticated with one of these keys. */
  disconnectKeys(keyIds: readonly number[]): void {
    if (!this.namespace || keyIds.length === 0) return;
    this.namespace.local.in(keyIds.map(Rooms.key)).disconnectSockets(true);
  }

  /** Sockets connected to this process. */
  get localCount(): number {
    return this.namespace?.sockets.size ?? 0;
  }
}

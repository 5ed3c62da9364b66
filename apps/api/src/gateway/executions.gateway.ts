import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { Subscription } from 'rxjs';
import { AppConfig, AppException } from '@app/common';
import { ApiKeyEvents, ApiKeyRevokedEvent, RevokedKeys } from '../api-key';
import { ExecutionEventBus, ExecutionService } from '../execution';
import { ExecutorEvent, ExecutorEventType } from '../executor';
import { MetricsService } from '../metrics';
import { WorkflowService } from '../workflow';
import { ExecutionEventsEmitter } from './execution-events.emitter';
import {
  Ack,
  EXECUTIONS_NAMESPACE,
  ExecutionsNamespace,
  ExecutionsSocket,
  Rooms,
  SubscriptionTarget,
} from './gateway.types';

import { SocketAuthenticator } from './socket-authenticator';
import { parseSubscriptionTarget } from './subscription-target';
/** Rooms a socket may join through `subscribe`, besides its own user (and key) room. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 500;

type RefusedHandshake = Error & { data: { error: string; message: string } };

function refusal(err: unknown): RefusedHandshake {
  const known = err instanceof AppException;
  const code = known ? err.code : 'INTERNAL';
  const refused = new Error(code) as RefusedHandshake;
  refused.data = {
    error: code,
    message: known ? err.message : 'The handshake could not be checked; try again',
  };
  return refused;
}

/**
 * Live events of docs/live-events.md on namespace `/executions`. It subscribes to the domain event
 * stream (ExecutionEventBus, fed from Redis on every process) and hands events to the typed
 * emitter; nothing else pushes to sockets.
 */
@WebSocketGateway({
  namespace: EXECUTIONS_NAMESPACE,
  path: '/socket.io',
  serveClient: true,
  // Clients only send small subscribe/unsubscribe messages.
  maxHttpBufferSize: 64 * 1024,
})
export class ExecutionsGateway
  implements OnGatewayInit, OnGatewayConnection, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(ExecutionsGateway.name);
  private readonly revoked = new RevokedKeys(60_000);
  private events?: Subscription;

  constructor(
    private readonly emitter: ExecutionEventsEmitter,
    private readonly bus: ExecutionEventBus,
    private readonly socketAuth: SocketAuthenticator,
    private readonly executions: ExecutionService,
    private readonly workflows: WorkflowService,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events = this.bus.on((event) => this.emitter.emit(event));
  }

  /**
   * Sockets stay connected through the shutdown drain, until the server closes: events of
   * requests still in flight reach them meanwhile.
   */
  onApplicationShutdown(): void {
    this.events?.unsubscribe();
  }

  afterInit(namespace: ExecutionsNamespace): void {
    this.emitter.bind(namespace);
    this.metrics.countSocketsWith(() => this.emitter.localCount);
    namespace.use((socket, next) => this.settle(this.handshake(socket), next));
    // Nothing is served on the main namespace: every socket there is refused, an unauthenticated
    // one as such, so no connection stays open without a key.
    namespace.server.of('/').use((socket, next) =>
      this.settle(
        this.socketAuth.authenticate(socket.handshake).then(() => {
          throw new AppException(
            'NOT_FOUND',
            `Live events are served on the ${EXECUTIONS_NAMESPACE} namespace`,
          );
        }),
        next,
      ),
    );
  }

  private settle(handshake: Promise<void>, next: (err?: Error) => void): void {
    handshake.then(
      () => next(),
      (err: unknown) => {
        if (!(err instanceof AppException)) this.logger.error({ err }, 'Handshake failed');
        next(refusal(err));
      },
    );
  }

  /** Authenticates, then joins the user's room (and the key's, for revocation). */
  private async handshake(socket: ExecutionsSocket): Promise<void> {
    const data = await this.socketAuth.authenticate(socket.handshake);
    if (this.revoked.has(data.keyId)) {
      throw new AppException('UNAUTHENTICATED', 'Invalid, revoked or expired API key');
    }
    socket.data = data;
    const rooms = [Rooms.user(data.userId)];
    if (data.keyId !== undefined) rooms.push(Rooms.key(data.keyId));
    // Counted from the key's (else the user's) room in this process, just before joining it.
    const own = data.keyId !== undefined ? Rooms.key(data.keyId) : Rooms.headerUser(data.userId);
    if (data.keyId === undefined) rooms.push(own);
    const cap = this.config.limits.socketsPerKey;
    if (cap > 0 && (socket.nsp.adapter.rooms.get(own)?.size ?? 0) >= cap) {
      throw new AppException(
        'RATE_LIMITED',
        `Too many open sockets for this API key (limit ${cap}); close one first`,
      );
    }
    // Joined before the socket counts as connected: a revocation from now on finds it.
    await socket.join(rooms);
  }

  handleConnection(socket: ExecutionsSocket): void {
    // A revocation that arrived between the handshake and now found the socket not yet
    // connected, so disconnectSockets() skipped it.
    if (this.revoked.has(socket.data.keyId)) {
      socket.disconnect(true);
      return;
    }
    this.disconnectAtExpiry(socket);
  }

  /** A key that expires while its socket is open stops working there too, on time. */
  private disconnectAtExpiry(socket: ExecutionsSocket): void {
    const { expiresAt } = socket.data;
    if (expiresAt === undefined) return;
    // setTimeout holds at most ~24.8 days; a later expiry is re-armed when that fires.
    const wait = Math.min(expiresAt - Date.now(), 2 ** 31 - 1);
    if (wait <= 0) {
      socket.disconnect(true);
      return;
    }
    const timer = setTimeout(() => this.disconnectAtExpiry(socket), wait);
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: ExecutionsSocket, @MessageBody() payload: unknown) {
    return this.answer('subscribe', async () => {
      const room = await this.ownedRoom(socket, parseSubscriptionTarget(payload));
      if (
        !socket.rooms.has(room) &&
        this.subscriptionCount(socket) >= MAX_SUBSCRIPTIONS_PER_SOCKET
      ) {
        return {
          ok: false,
          error: 'TOO_MANY_SUBSCRIPTIONS',
          message: `A socket may hold at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions`,
        };
      }
      // Joined before the acknowledgement: nothing published after the ack is missed.
      await socket.join(room);
      return { ok: true };
    });
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: ExecutionsSocket, @MessageBody() payload: unknown) {
    return this.answer('unsubscribe', async () => {
      const target = parseSubscriptionTarget(payload);
      await socket.leave(
        'execution_id' in target
          ? Rooms.execution(target.execution_id)
          : Rooms.workflow(socket.data.userId, target.project_id),
      );
      return { ok: true };
    });
  }

  @OnEvent(ExecutorEventType.Connected)
  @OnEvent(ExecutorEventType.Disconnected)
  onExecutorEvent(event: ExecutorEvent): void {
    this.emitter.emitExecutorEvent(event);
  }

  @OnEvent(ApiKeyEvents.Revoked)
  onKeysRevoked(event: ApiKeyRevokedEvent): void {
    const ids = (event.key_ids ?? []).filter((id) => Number.isInteger(id));
    this.revoked.add(ids);
    this.emitter.disconnectKeys(ids);
  }

  /** The room of a target the socket's user owns; another user's answers NOT_FOUND. */
  private async ownedRoom(socket: ExecutionsSocket, target: SubscriptionTarget): Promise<string> {
    const { userId } = socket.data;
    if ('execution_id' in target) {
      await this.executions.get(userId, target.execution_id);
      return Rooms.execution(target.execution_id);
    }
    const workflow = await this.workflows.find(userId, target.project_id);
    if (!workflow) {
      throw new AppException('WORKFLOW_NOT_FOUND', `Workflow ${target.project_id} not found`);
    }
    return Rooms.workflow(userId, workflow.project_id);
  }

  private subscriptionCount(socket: ExecutionsSocket): number {
    let count = 0;
    for (const room of socket.rooms) {
      if (room.startsWith('execution:') || room.startsWith('workflow:')) count++;
    }
    return count;
  }

  /** Every outcome is an acknowledgement; a bad message never reaches the exception layer. */
  private async answer(action: string, work: () => Promise<Ack>): Promise<Ack> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof AppException) return { ok: false, error: err.code, message: err.message };
      this.logger.error({ err }, `${action} failed`);
      return { ok: false, error: 'INTERNAL', message: `Could not ${action}; try again` };
    }
  }
}
